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
        // Without a GPU, "gpu" used to fail at the first tensor with a raw CUDA error.
        int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
        String gpu = error("{\"output\": \"x\", \"device\": \"gpu:" + gpus + "\"}");
        assertTrue(gpu.contains("device: gpu:" + gpus + ", but "), gpu);
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

    @Test
    void numbersAreCheckedAsWrittenWithoutWrappingOrRounding() throws IOException {
        // 2^32 + 1 used to train 1 step, 1e20 to start 1,661,992,960 steps, 2^31 to read as -2^31.
        String wrapped = error("{\"output\": \"x\", \"multitask\": {\"steps\": 4294967297}}");
        assertTrue(wrapped.contains("run.json: multitask.steps: Numeric value (4294967297) out of range of int"), wrapped);
        String absurd = error("{\"output\": \"x\", \"multitask\": {\"steps\": 2000000000}}");
        assertTrue(absurd.contains("run.json: multitask.steps: must be at most 100000000, got 2000000000"), absurd);
        String exponent = error("{\"output\": \"x\", \"multitask\": {\"steps\": 1e20}}");
        assertTrue(exponent.contains("multitask.steps: must be an integer, got 1.0E20"), exponent);
        String decimal = error("{\"output\": \"x\", \"adaptation\": {\"shots\": 8.0}}");
        assertTrue(decimal.contains("adaptation.shots: must be an integer, got 8.0"), decimal);
        String seed = error("{\"output\": \"x\", \"seeds\": [2147483648]}");
        assertTrue(seed.contains("seeds[0]: Numeric value (2147483648) out of range of int"), seed);
        // A learning rate that is 0 or infinite as a 32-bit float, or absurdly large.
        String tiny = error("{\"output\": \"x\", \"multitask\": {\"lr\": 1e-50}}");
        assertTrue(tiny.contains("multitask.lr: got 1.0E-50, which is 0 as a 32-bit float"), tiny);
        String huge = error("{\"output\": \"x\", \"adaptation\": {\"lr\": 1e39}}");
        assertTrue(huge.contains("adaptation.lr: got 1.0E39, beyond the largest 32-bit float"), huge);
        String large = error("{\"output\": \"x\", \"adaptation\": {\"lr\": 1000}}");
        assertTrue(large.contains("adaptation.lr: must be a positive number up to 100.0, got 1000.0"), large);
        assertEquals(100_000_000, RunConfig.read(config("{\"output\": \"x\", \"multitask\": {\"steps\": 100000000}}"),
                null).settings().values().get("multitask.steps").asInt());
    }

    @Test
    void namesAndDataAreCheckedAgainstWhatExists() throws IOException {
        // SkillComp's default held-out tasks are pairs like swap_ab+swap_cd; a misspelt one was ignored.
        String task = error("{\"output\": \"x\", \"adaptation\": {\"shots_per_task\": {\"winogrande\": 50}}}");
        assertTrue(task.contains("adaptation.shots_per_task.winogrande: no held-out task 'winogrande'; the held-out"
                + " tasks are: "), task);
        String shots = error("{\"output\": \"x\", \"adaptation\": {\"shots\": 100000}}");
        assertTrue(shots.contains("adaptation.shots: 100000 shots leave 0 of held-out task '"), shots);
        String regex = error("{\"output\": \"x\", \"method\": {\"modules\": \"[SelfAttention\", \"layers\": \"q|v\"}}");
        assertTrue(regex.contains("method.modules: /[SelfAttention/ is not a valid regular expression"), regex);
    }

    @Test
    void settingsHoldEveryResultDecidingKeyWithItsDefault() throws IOException {
        RunSettings s = RunConfig.read(config("{\"output\": \"x\", \"name\": \"n\", \"method\": {\"name\": \"mhr\"},"
                + " \"multitask\": {\"checkpoint_every\": 7}}"), null).settings();
        assertEquals(0.03f, s.values().get("multitask.lr").floatValue());
        assertEquals(64, s.values().get("method.heads").asInt());
        assertEquals(32, s.values().get("adaptation.shots").asInt());
        assertTrue(s.values().get("data.training").asText().startsWith("sha256:"));
        for (String ignored : new String[] {"name", "output", "device", "multitask.checkpoint_every"}) {
            assertTrue(!s.values().containsKey(ignored), ignored + " does not change results");
        }
        assertEquals(RunSettings.Phase.ADAPTATION, RunSettings.phaseOf("seeds"));
        assertEquals(RunSettings.Phase.MULTITASK, RunSettings.phaseOf("method.name"));
    }
}
