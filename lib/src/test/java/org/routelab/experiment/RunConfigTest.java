package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {
    @TempDir
    Path dir;

    private Path config(String json) throws IOException {
        Path file = dir.resolve("run.json");
        Files.writeString(file, json);
        return file;
    }

    private String error(String json) throws IOException {
        Path file = config(json);
        return assertThrows(IllegalArgumentException.class, () -> RunConfig.read(file, null)).getMessage();
    }

    @Test
    void validConfigBuildsTheExperimentWithPathsRelativeToTheFile() throws IOException {
        RunConfig run = RunConfig.read(config("""
                {"output": "runs/a", "seeds": [0, 1],
                 "method": {"name": "mhr", "heads": 4, "granularity": "block",
                            "router": {"sampling": "sigmoid"}},
                 "multitask": {"steps": 10, "lr": 0.003},
                 "adaptation": {"variant": "z", "shots": 8, "steps": 5, "evaluate_every": 5, "keep_best": true}}
                """), null);
        assertEquals(dir.resolve("runs/a"), run.output());
        assertEquals("mhr-z", run.experiment().name());
        assertEquals(dir.resolve("elsewhere"), RunConfig.read(run.file(), dir.resolve("elsewhere")).output());
    }

    @Test
    void taskFreeMethodOptionsAreReadAndCheckedWithTheirPath() throws IOException {
        RunConfig run = RunConfig.read(config("""
                {"output": "runs/t",
                 "method": {"name": "trex", "down": 2, "up": 4, "prior_scale": 2.0, "token_router": false}}
                """), null);
        assertEquals("trex", run.experiment().name());
        RunConfig.read(config("""
                {"output": "runs/o",
                 "method": {"name": "orchmoe", "abstract_tasks": 5, "pooling": "none", "normalisation": "sigmoid"}}
                """), null);
        String topK = error("{\"output\": \"x\", \"method\": {\"name\": \"moe-lora\", \"experts\": 2, \"top_k\": 3}}");
        assertTrue(topK.contains("method: moe-lora top-k") && topK.contains("got 3"), topK);
        String pooling = error("{\"output\": \"x\", \"method\": {\"name\": \"orchmoe\", \"pooling\": \"max\"}}");
        assertTrue(pooling.contains("method.pooling: must be one of") && pooling.contains("max"), pooling);
        String both = error("{\"output\": \"x\", \"method\": {\"name\": \"trex\", \"intuition\": false, \"token_router\": false}}");
        assertTrue(both.contains("method: trex needs its token router"), both);
        String lb = error("{\"output\": \"x\", \"method\": {\"name\": \"moe-lora\", \"load_balancing\": -1}}");
        assertTrue(lb.contains("method: moe-lora load-balancing coefficient must be >= 0"), lb);
        String other = error("{\"output\": \"x\", \"method\": {\"name\": \"lora\", \"heads\": 4}}");
        assertTrue(other.contains("method.heads: unknown key"), other);
    }

    @Test
    void unknownKeysAreRejectedWithTheirPath() throws IOException {
        String top = error("{\"output\": \"x\", \"sedes\": [0]}");
        assertTrue(top.contains("run.json: sedes: unknown key"), top);
        String nested = error("{\"output\": \"x\", \"method\": {\"name\": \"poly\", \"skils\": 4}}");
        assertTrue(nested.contains("method.skils: unknown key"), nested);
        assertTrue(nested.contains("skills"), "the message lists the known keys: " + nested);
        String router = error("{\"output\": \"x\", \"method\": {\"router\": {\"temp\": 2}}}");
        assertTrue(router.contains("method.router.temp: unknown key"), router);
    }

    @Test
    void badValuesAreRejectedWithTheirPath() throws IOException {
        assertTrue(error("{\"output\": \"x\", \"method\": {\"name\": \"polly\"}}").contains("method.name: unknown method 'polly'"));
        assertTrue(error("{\"output\": \"x\", \"multitask\": {\"steps\": -1}}").contains("multitask.steps: must be >= 0"));
        assertTrue(error("{\"output\": \"x\", \"multitask\": {\"lr\": \"big\"}}").contains("multitask.lr: must be"));
        assertTrue(error("{\"output\": \"x\", \"adaptation\": {\"variant\": \"q\"}}").contains("adaptation.variant"));
        assertTrue(error("{\"output\": \"x\", \"adaptation\": {\"keep_best\": true}}")
                .contains("adaptation.keep_best: needs evaluate_every > 0"));
        assertTrue(error("{\"output\": \"x\", \"seeds\": []}").contains("seeds: must be a non-empty list"));
        assertTrue(error("{\"output\": \"x\", \"backbone\": \"nowhere\"}").contains("backbone: '"));
        assertTrue(error("{\"seeds\": [0]}").contains("output: is missing"));
        assertTrue(error("[1]").contains("must be a JSON object"));
        assertTrue(error("{\"output\": ").contains("not valid JSON"));
    }
}
