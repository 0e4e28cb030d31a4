package org.routelab.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.checkpoint.SafetensorsFile;
import org.routelab.method.MethodConfig;
import org.routelab.nn.Linear;
import org.routelab.nn.RandomStream;

/** Export to PEFT's layouts and back gives the same logits; the files have PEFT's documented keys and shapes. */
class PeftRoundTripTest {
    private static final List<String> TASKS = List.of("copy", "reverse", "sort");

    @TempDir
    Path dir;

    private static MethodConfig routed(String method) {
        MethodConfig c = MethodConfig.defaults(method).with("rank", 2).with("skills", 3);
        return ("mhr".equals(method) ? c.with("heads", 4) : c).withTasks(TASKS.size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5", "llama", "mistral", "qwen2"})
    void loraRoundTripsThroughPeftsLayout(String family) throws IOException {
        Path base = Backbones.folder(dir, family);
        Path out = dir.resolve("lora-" + family);
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            // alpha 6 at rank 2: scale 3, to show the real scale travels as lora_alpha.
            LoraConfig lc = new LoraConfig(2, 4f, 0f, model.defaultAdapterTargets().modules(),
                    model.defaultAdapterTargets().layers());
            List<String> paths = lc.inject(model, RandomStream.of(1), DataType.FLOAT32);
            Backbones.randomiseAdapters(model, m, 3);
            float[] before = Backbones.logits(model, m);
            PeftExport.lora(model, base, out);

            JsonObject config = JsonParser.parseString(Files.readString(out.resolve("adapter_config.json"))).getAsJsonObject();
            assertEquals("LORA", config.get("peft_type").getAsString());
            assertEquals(2, config.get("r").getAsInt());
            assertEquals(4.0, config.get("lora_alpha").getAsDouble());
            assertEquals("t5".equals(family) ? "SEQ_2_SEQ_LM" : "CAUSAL_LM", config.get("task_type").getAsString());
            assertEquals(base.toAbsolutePath().normalize().toString(), config.get("base_model_name_or_path").getAsString());
            Map<String, Linear> linears = linears(model);
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
                assertEquals(2 * paths.size(), f.names().size());
                for (String p : paths) {
                    Linear l = linears.get(p);
                    assertEquals(new Shape(2, l.inFeatures()), f.info("base_model.model." + p + ".lora_A.weight").shape());
                    assertEquals(new Shape(l.outFeatures(), 2), f.info("base_model.model." + p + ".lora_B.weight").shape());
                }
                // lora_A.weight is A transposed: row i of the file is column i of RouteLab's A [d_in, r].
                String p = paths.get(0);
                float[] fileA = f.read("base_model.model." + p + ".lora_A.weight", DataType.FLOAT32, m).toFloatArray();
                float[] ours = model.namedParameters().get(p + ".adapter.lora_a").array().transpose().toFloatArray();
                assertArrayEquals(ours, fileA, 0f);
            }

            LanguageModel reloaded = LanguageModel.load(base, m, DataType.FLOAT32);
            PeftAdapter adapter = PeftAdapter.read(out);
            assertEquals("lora", adapter.method());
            assertEquals(paths, adapter.applyTo(reloaded));
            double diff = Backbones.maxDiff(before, Backbones.logits(reloaded, m));
            Backbones.report("peft-lora", family, diff, before);
            assertTrue(diff < Backbones.tolerance(before), "max logit difference " + diff);
            assertTrue(Backbones.maxDiff(before, Backbones.logits(LanguageModel.load(base, m, DataType.FLOAT32), m)) > 1e-2,
                    "the adapter changes nothing, so the round trip shows nothing");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"poly", "mhr"})
    void polyAndMhrRoundTripThroughPeftsPolyLayout(String name) throws IOException {
        for (String family : Backbones.FAMILIES) {
            Path base = Backbones.folder(dir, family);
            Path out = dir.resolve(name + "-" + family);
            try (NDManager m = NDManager.newBaseManager()) {
                LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
                List<String> paths = routed(name).inject(model, RandomStream.of(1), DataType.FLOAT32);
                Backbones.randomiseAdapters(model, m, 4);
                float[] before = Backbones.logits(model, m, 0, 2);
                PeftExport.poly(model, base, TASKS, out);

                JsonObject c = JsonParser.parseString(Files.readString(out.resolve("adapter_config.json"))).getAsJsonObject();
                int q = "mhr".equals(name) ? 4 : 1;
                assertEquals("POLY", c.get("peft_type").getAsString());
                assertEquals("poly", c.get("poly_type").getAsString());
                assertEquals(2, c.get("r").getAsInt());
                assertEquals(3, c.get("n_tasks").getAsInt());
                assertEquals(3, c.get("n_skills").getAsInt());
                assertEquals(q, c.get("n_splits").getAsInt());
                assertEquals(TASKS.toString(), JsonParser.parseString(Files.readString(out.resolve("task_names.json")))
                        .getAsJsonArray().asList().stream().map(e -> e.getAsString()).toList().toString());
                Map<String, Linear> linears = linears(model);
                try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
                    assertEquals(3 * paths.size(), f.names().size());
                    for (String p : paths) {
                        Linear l = linears.get(p);
                        String k = "base_model.model." + p;
                        assertEquals(new Shape(q, 3, l.inFeatures() / q, 2), f.info(k + ".poly_lora_A").shape());
                        assertEquals(new Shape(q, 3, 2, l.outFeatures() / q), f.info(k + ".poly_lora_B").shape());
                        assertEquals(new Shape(3, q * 3), f.info(k + ".poly_router.module_logits").shape());
                    }
                }

                LanguageModel reloaded = LanguageModel.load(base, m, DataType.FLOAT32);
                PeftAdapter adapter = PeftAdapter.read(out);
                assertEquals(name, adapter.method());
                assertEquals(TASKS, adapter.taskNames());
                adapter.applyTo(reloaded);
                double diff = Backbones.maxDiff(before, Backbones.logits(reloaded, m, 0, 2));
                Backbones.report("peft-" + name, family, diff, before);
                assertTrue(diff < Backbones.tolerance(before), family + ": max logit difference " + diff);
                assertFalse(Backbones.maxDiff(before, Backbones.logits(reloaded, m, 1, 1)) < 1e-4,
                        "tasks route differently");
            }
        }
    }

    @Test
    void aTasksMixtureIsTheLoraThatTaskSees() throws IOException {
        Path base = Backbones.folder(dir, "t5");
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            routed("mhr").inject(model, RandomStream.of(1), DataType.FLOAT32);
            Backbones.randomiseAdapters(model, m, 5);
            float[] task1 = Backbones.logits(model, m, 1, 1);
            Mixtures.replaceByLora(model, "reverse", TASKS);
            double diff = Backbones.maxDiff(task1, Backbones.logits(model, m));
            assertTrue(diff < Backbones.tolerance(task1), "mixture differs from routing by " + diff);
            Path out = dir.resolve("mixture");
            PeftExport.lora(model, base, out);
            JsonObject c = JsonParser.parseString(Files.readString(out.resolve("adapter_config.json"))).getAsJsonObject();
            assertEquals(1.0, c.get("lora_alpha").getAsDouble(), "Poly's scale 1/r is lora_alpha 1");
            LanguageModel reloaded = LanguageModel.load(base, m, DataType.FLOAT32);
            PeftAdapter.read(out).applyTo(reloaded);
            double trip = Backbones.maxDiff(task1, Backbones.logits(reloaded, m));
            Backbones.report("peft-lora(mhr task mixture)", "t5", trip, task1);
            assertTrue(trip < Backbones.tolerance(task1), "exported mixture differs by " + trip);
            assertThrows(IllegalArgumentException.class, () -> Mixtures.replaceByLora(model, "nope", TASKS));
        }
    }

    @Test
    void unsupportedPeftSettingsAreRefusedNamingTheField() throws IOException {
        Path base = Backbones.folder(dir, "t5");
        Path out = dir.resolve("lora");
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            MethodConfig.defaults("lora").with("rank", 2).inject(model, RandomStream.of(1), DataType.FLOAT32);
            PeftExport.lora(model, base, out);
        }
        Path config = out.resolve("adapter_config.json");
        String original = Files.readString(config);
        for (String[] c : new String[][] {{"\"use_dora\": false", "\"use_dora\": true", "use_dora"},
                {"\"bias\": \"none\"", "\"bias\": \"all\"", "bias"},
                {"\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "peft_type"},
                {"\"rank_pattern\": {}", "\"rank_pattern\": {\"q\": 4}", "rank_pattern"}}) {
            Files.writeString(config, original.replace(c[0], c[1]));
            var e = assertThrows(ModelConfigException.class, () -> PeftAdapter.read(out), c[2]);
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains("adapter_config.json"), e.getMessage());
        }
        Files.writeString(config, original);
        Files.delete(out.resolve("adapter_model.safetensors"));
        Files.writeString(out.resolve("adapter_model.bin"), "pickle");
        var e = assertThrows(ModelConfigException.class, () -> PeftAdapter.read(out));
        assertTrue(e.getMessage().contains("adapter_model.bin"), e.getMessage());
    }

    private static Map<String, Linear> linears(LanguageModel model) {
        Map<String, Linear> out = new java.util.LinkedHashMap<>();
        model.namedModules().forEach((p, mod) -> {
            if (mod instanceof Linear l) {
                out.put(p, l);
            }
        });
        return out;
    }

}
