package org.routelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.data.JsonlTasks;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.testing.SavedBackbones;
import picocli.CommandLine;

/** train writes run.json into its folder; export --run reads it; a PEFT adapter runs through adapt. */
class ExportCommandTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4,
            SkillFamily.SEQUENCE);

    @TempDir
    Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cmd = RouteLab.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void trainExportAndAdaptAnImportedAdapter() throws IOException {
        SavedBackbones.write(BuiltinBackbone.Architecture.LLAMA, SMALL, dir.resolve("llama"));
        JsonlTasks.writeSuite(dir.resolve("suite"), SkillComp.generate(SMALL, 5).suite());
        Path config = dir.resolve("poly.json");
        Files.writeString(config, "{\"output\": \"runs/poly\", \"backbone\": \"llama\", \"suite\": \"suite\","
                + " \"seeds\": [0], \"method\": {\"name\": \"poly\", \"rank\": 2, \"skills\": 2},"
                + " \"multitask\": {\"steps\": 2, \"batch_size\": 8}, \"adaptation\": {\"shots\": 8, \"steps\": 1}}");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "train", "--config", config.toString()), err.toString());
        Path runDir = dir.resolve("runs/poly");
        assertTrue(Files.isRegularFile(runDir.resolve("run.json")));

        Path peft = dir.resolve("peft-poly");
        assertEquals(0, run(err, "export", "--run", runDir.toString(), "--format", "peft", "--out", peft.toString()),
                err.toString());
        assertEquals("POLY", JsonParser.parseString(Files.readString(peft.resolve("adapter_config.json")))
                .getAsJsonObject().get("peft_type").getAsString());

        Path merged = dir.resolve("merged");
        assertEquals(2, run(err, "export", "--run", runDir.toString(), "--format", "merged", "--out", merged.toString()));
        assertTrue(err.toString().contains("routelab: ") && err.toString().contains("mixture"), err.toString());
        assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
        assertEquals(0, run(err, "export", "--run", runDir.toString(), "--format", "merged", "--mixture", "mu",
                "--out", merged.toString()), err.toString());
        assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")));

        // One held-out task's adapted mixture, as a plain LoRA; redone twice, the same file.
        String task = SkillComp.generate(SMALL, 5).suite().heldout().get(0).name();
        for (String name : new String[] {"heldout-a", "heldout-b"}) {
            assertEquals(0, run(err, "export", "--run", runDir.toString(), "--format", "peft", "--heldout", task,
                    "--seed", "1", "--out", dir.resolve(name).toString()), err.toString());
        }
        assertEquals("LORA", JsonParser.parseString(Files.readString(dir.resolve("heldout-a/adapter_config.json")))
                .getAsJsonObject().get("peft_type").getAsString());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("heldout-a/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("heldout-b/adapter_model.safetensors"))));
        assertEquals(2, run(err, "export", "--run", runDir.toString(), "--format", "peft", "--heldout", "nope",
                "--out", dir.resolve("x").toString()));
        assertTrue(err.toString().contains("no held-out task 'nope'"), err.toString());

        Path imported = dir.resolve("imported.json");
        Files.writeString(imported, "{\"output\": \"runs/imported\", \"backbone\": \"llama\", \"suite\": \"suite\","
                + " \"seeds\": [0], \"adapters\": \"peft-poly\", \"adaptation\": {\"variant\": \"z\", \"shots\": 8, \"steps\": 1}}");
        assertEquals(0, run(err, "adapt", "--config", imported.toString()), err.toString());
        assertTrue(Files.isRegularFile(dir.resolve("runs/imported/results.json")));

        Files.writeString(dir.resolve("peft-poly/adapter_config.json"), Files.readString(peft.resolve("adapter_config.json"))
                .replace("\"poly_type\": \"poly\"", "\"poly_type\": \"mlp\""));
        StringWriter bad = new StringWriter();
        assertEquals(2, run(bad, "adapt", "--config", imported.toString()));
        assertTrue(bad.toString().contains("adapter_config.json") && bad.toString().contains("poly_type"), bad.toString());
    }
}
