package org.routelab.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.backbone.llama.LlamaConfig;
import org.routelab.backbone.llama.TinyLlama;
import org.routelab.backbone.t5.T5Config;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;

/** Every supported model type reads its transformers-4 and transformers-5 configs to the same logits. */
class ConfigLayoutsTest {
    @TempDir
    Path dir;

    /** Tiny configs per case: each exercises a field transformers 5 moved or added. */
    private static JsonObject v4Config(String which) {
        JsonObject o = switch (which) {
            case "t5-v1.0", "t5-v1.1" -> TinyT5.config("t5-v1.1".equals(which), 0.0).toJson();
            case "llama3-rope" -> TinyLlama.config("llama").toJson();
            default -> TinyLlama.config(which.replace("-window", "")).toJson();
        };
        switch (which) {
            case "llama3-rope" -> {
                o.addProperty("rope_theta", 500000.0);
                o.add("rope_scaling", JsonParser.parseString("{\"rope_type\": \"llama3\", \"factor\": 32.0,"
                        + " \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8}"));
            }
            case "mistral" -> o.addProperty("rope_theta", 1000000.0);
            case "qwen2" -> o.addProperty("rope_theta", 1000000.0);
            case "qwen2-window" -> {
                o.addProperty("rope_theta", 1000000.0);
                o.addProperty("use_sliding_window", true);
                o.addProperty("sliding_window", 3);
                o.addProperty("max_window_layers", 1);
            }
            default -> { }
        }
        return o;
    }

    private float[] logits(Path folder, NDManager m) {
        LanguageModel model = LanguageModel.load(folder, m, DataType.FLOAT32);
        ModelBatch batch = model.batch(m, List.of(new long[] {3, 5, 6, 7, 8, 9, 10, 11}, new long[] {3, 10, 11}),
                List.of(new long[] {12, 13, 14, 15, 2}, new long[] {14, 15, 16, 17, 2}));
        return model.logits(batch, ForwardContext.eval()).toFloatArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5-v1.0", "t5-v1.1", "llama", "llama3-rope", "mistral", "qwen2", "qwen2-window"})
    void bothLayoutsGiveTheSameLogits(String which) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            JsonObject v4 = v4Config(which);
            LanguageModel model = LanguageModel.create(new ConfigJson(v4, which), m, DataType.FLOAT32);
            model.initialize(5);
            Path v4Dir = dir.resolve("v4");
            model.save(v4Dir, null);
            Path v5Dir = dir.resolve("v5");
            model.save(v5Dir, null);
            JsonObject v5 = TransformersLayouts.toV5(v4);
            TransformersLayouts.writeConfig(v5Dir, v5);
            float[] a = logits(v4Dir, m);
            float[] b = logits(v5Dir, m);
            assertArrayEquals(a, b, 0f, which + ": " + v5);
            // The v5 file really differs where it matters: read with its moved fields ignored, it would not agree.
            JsonObject naive = v5.deepCopy();
            naive.remove("rope_parameters");
            naive.remove("scale_decoder_outputs");
            TransformersLayouts.writeConfig(v5Dir, naive);
            if ("t5-v1.1".equals(which)) {
                assertThrows(CheckpointException.class, () -> logits(v5Dir, m), "tied, yet a different head stored");
            } else if (!which.startsWith("t5") && !"llama".equals(which)) {
                assertFalse(java.util.Arrays.equals(a, logits(v5Dir, m)), which + ": the moved fields change nothing");
            }
        }
    }

    @Test
    void qwen2SlidingLayersWithoutAWindowAttendFully() {
        LlamaConfig c = LlamaConfig.builder("qwen2").set("vocab_size", 40).set("hidden_size", 16)
                .set("intermediate_size", 32).set("num_hidden_layers", 2).set("num_attention_heads", 4)
                .set("eos_token_id", 2).setJson("sliding_window", "null")
                .setJson("layer_types", "[\"full_attention\", \"sliding_attention\"]").build();
        assertEquals(0, c.slidingWindow(1));
        LlamaConfig on = LlamaConfig.builder("qwen2").set("vocab_size", 40).set("hidden_size", 16)
                .set("intermediate_size", 32).set("num_hidden_layers", 2).set("num_attention_heads", 4)
                .set("eos_token_id", 2).set("use_sliding_window", true).set("sliding_window", 5)
                .setJson("layer_types", "[\"full_attention\", \"sliding_attention\"]").build();
        assertEquals(0, on.slidingWindow(0));
        assertEquals(5, on.slidingWindow(1));
    }

    @Test
    void llama3OriginalLengthFollowsTransformers5Precedence() {
        String rope = "{\"rope_type\": \"llama3\", \"rope_theta\": 500000.0, \"factor\": 32.0, \"low_freq_factor\": 1.0,"
                + " \"high_freq_factor\": 4.0%s}";
        LlamaConfig inside = TinyLlama.builder("llama").setJson("rope_parameters",
                String.format(rope, ", \"original_max_position_embeddings\": 8")).build();
        assertEquals(8, inside.ropeScaling().originalMaxPositions());
        assertEquals(500000.0, inside.ropeTheta());
        LlamaConfig top = TinyLlama.builder("llama").set("original_max_position_embeddings", 16)
                .setJson("rope_parameters", String.format(rope, ", \"original_max_position_embeddings\": 8")).build();
        assertEquals(16, top.ropeScaling().originalMaxPositions());
        LlamaConfig fallback = TinyLlama.builder("llama").setJson("rope_parameters", String.format(rope, "")).build();
        assertEquals(64, fallback.ropeScaling().originalMaxPositions());
        LlamaConfig perType = TinyLlama.builder("llama").setJson("layer_types", "[\"full_attention\", \"full_attention\"]")
                .setJson("rope_parameters", "{\"full_attention\": {\"rope_type\": \"default\", \"rope_theta\": 7.0}}").build();
        assertEquals(7.0, perType.ropeTheta());
    }

    @Test
    void fieldsThatChangeTheMathAreRefusedNamingFileFieldAndValue() {
        Map<String, String> refused = Map.of(
                "rope_parameters", "{\"rope_type\": \"yarn\", \"rope_theta\": 10000.0, \"factor\": 4.0}",
                "partial_rotary_factor", "0.5",
                "attn_logit_softcapping", "50.0",
                "final_logit_softcapping", "30.0",
                "quantization_config", "{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true}",
                "layer_types", "[\"full_attention\", \"chunked_attention\"]");
        refused.forEach((field, value) -> {
            var e = assertThrows(ModelConfigException.class,
                    () -> TinyLlama.builder("mistral").setJson(field, value).build(), field);
            String expectedValue = field.equals("rope_parameters") ? "yarn" : field.equals("layer_types")
                    ? "chunked_attention" : JsonParser.parseString(value).toString();
            assertTrue(e.getMessage().contains("built LlamaConfig") && e.getMessage().contains(field)
                    && e.getMessage().contains(expectedValue), e.getMessage());
        });
        var perType = assertThrows(ModelConfigException.class, () -> TinyLlama.builder("llama")
                .setJson("layer_types", "[\"full_attention\", \"sliding_attention\"]").build());
        assertTrue(perType.getMessage().contains("sliding_attention"), perType.getMessage());
        var differing = assertThrows(ModelConfigException.class, () -> TinyLlama.builder("qwen2")
                .setJson("layer_types", "[\"full_attention\", \"sliding_attention\"]")
                .setJson("rope_parameters", "{\"full_attention\": {\"rope_theta\": 1.0}, \"sliding_attention\":"
                        + " {\"rope_theta\": 2.0}}").build());
        assertTrue(differing.getMessage().contains("rope_parameters"), differing.getMessage());
        // Neutral values are accepted.
        TinyLlama.builder("llama").set("partial_rotary_factor", 1.0).setJson("attn_logit_softcapping", "null").build();
        var t5 = assertThrows(ModelConfigException.class, () -> T5Config.builder().set("vocab_size", 40)
                .set("tie_encoder_decoder", true).build());
        assertTrue(t5.getMessage().contains("tie_encoder_decoder"), t5.getMessage());
    }

    @ParameterizedTest(name = "t5={0}")
    @ValueSource(booleans = {true, false})
    void aStoredHeadUnderATiedConfigIsUsedOnlyWhereTransformersAgrees(boolean t5) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            JsonObject untied = t5 ? TinyT5.config(true, 0.0).toJson() : TinyLlama.config("llama").toJson();
            LanguageModel model = LanguageModel.create(new ConfigJson(untied, "untied"), m, DataType.FLOAT32);
            model.initialize(9);
            model.save(dir, null);
            float[] own = logits(dir, m);
            JsonObject tied = untied.deepCopy();
            tied.addProperty("tie_word_embeddings", true);
            if (t5) {
                tied.addProperty("scale_decoder_outputs", false);
                // transformers 5's layout: the stored head wins over the tie.
                TransformersLayouts.writeConfig(dir, tied);
                assertArrayEquals(own, logits(dir, m), 0f);
                tied.remove("scale_decoder_outputs");
            }
            // transformers 4's layout: 4 drops the stored head, 5 uses it; they disagree, so it is refused.
            TransformersLayouts.writeConfig(dir, tied);
            var e = assertThrows(CheckpointException.class, () -> LanguageModel.load(dir, m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("tie_word_embeddings"),
                    e.getMessage());
            assertTrue(HfCheckpoint.tensorNames(dir).contains(OutputHead.TENSOR));
        }
    }
}
