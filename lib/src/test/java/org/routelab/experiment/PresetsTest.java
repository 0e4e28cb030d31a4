package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.JsonlTasks;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.method.MethodConfig;
import org.routelab.routing.RouterOptions;

/** The full-scale presets in {@code presets/} are valid run configs (checked on small stand-ins for /models and /data). */
class PresetsTest {
    private static final Path PRESETS = Path.of("..", "presets");

    @TempDir
    Path dir;

    @Test
    void everyPresetReadsAsARunConfig() throws IOException {
        SkillCompConfig small = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);
        Path suite = dir.resolve("t0");
        SkillComp.generate(small, 1).writeTo(suite);
        Path backbone = dir.resolve("model");
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel.create(BuiltinBackbone.Architecture.T5.config(small), m, DataType.FLOAT32)
                    .save(backbone, suite.resolve(SkillComp.TOKENIZER_FILE));
        }
        List<Path> presets;
        try (Stream<Path> files = Files.list(PRESETS)) {
            presets = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(presets.isEmpty());
        for (Path preset : presets) {
            JsonObject json = JsonParser.parseString(Files.readString(preset)).getAsJsonObject();
            assertTrue(json.get("backbone").getAsString().startsWith("/models/"), preset + " reads /models");
            assertEquals("/data/t0", json.get("suite").getAsString(), preset + " reads the exported T0 suite");
            json.addProperty("backbone", backbone.toString());
            json.addProperty("suite", suite.toString());
            Path copy = dir.resolve(preset.getFileName());
            Files.writeString(copy, json.toString());
            RunConfig run = RunConfig.read(copy, null);
            String file = preset.getFileName().toString().replace(".json", "");
            assertTrue(file.endsWith(run.experiment().name()), file + " runs " + run.experiment().name());
            assertTrue(JsonlTasks.readSuite(suite).numTrainingTasks() > 0);
            MethodConfig method = run.experiment().config().method();
            String name = method.method().name();
            if (file.startsWith("t0-3b") && (name.equals("poly") || name.equals("mhr"))) {
                // the reference's T0 configs: module_logits_relaxed_bernoulli false
                assertEquals(RouterOptions.Sampling.SIGMOID, method.router().sampling(), file + " routes by a sigmoid");
            }
            if (name.equals("lora")) {
                // mttl's LoRA: alpha 1, so the scale is 1/r at any rank
                assertEquals("alpha/r = 0.125", method.with("rank", 8).updateScale(), file + " scales as the reference");
            }
        }
    }
}
