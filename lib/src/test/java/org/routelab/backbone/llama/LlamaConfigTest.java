package org.routelab.backbone.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelConfigException;
import org.routelab.nn.ActivationFunction;

class LlamaConfigTest {
    private static LlamaConfig.Builder small(String type) {
        return LlamaConfig.builder(type).set("vocab_size", 100).set("hidden_size", 32).set("intermediate_size", 64)
                .set("num_hidden_layers", 4).set("num_attention_heads", 4);
    }

    @Test
    void defaultsFollowEachTypesHuggingFaceConfiguration() {
        LlamaConfig llama = small("llama").build();
        assertEquals(4, llama.numKeyValueHeads(), "key/value heads default to the query heads");
        assertEquals(8, llama.headDim());
        assertEquals(2, llama.padTokenId(), "pad falls back to eos");
        assertEquals(ActivationFunction.SILU, llama.activation());
        assertFalse(llama.qkvBias() || llama.outputBias() || llama.mlpBias() || llama.tieWordEmbeddings());
        assertEquals(0, llama.slidingWindow(3));
        assertEquals(10000.0, llama.ropeTheta());

        LlamaConfig qwen = small("qwen2").set("eos_token_id", 7).set("sliding_window", 16).build();
        assertTrue(qwen.qkvBias());
        assertFalse(qwen.outputBias() || qwen.mlpBias());
        assertEquals(-1, qwen.bosTokenId());
        assertEquals(7, qwen.padTokenId());
        assertEquals(0, qwen.slidingWindow(3), "Qwen2 ignores sliding_window unless use_sliding_window");
        LlamaConfig windowed = small("qwen2").set("eos_token_id", 7).set("use_sliding_window", true)
                .set("sliding_window", 16).set("max_window_layers", 2).build();
        assertArrayEquals(new int[] {0, 0, 16, 16}, windows(windowed));
        LlamaConfig typed = small("qwen2").set("eos_token_id", 7).set("use_sliding_window", true)
                .set("sliding_window", 16)
                .setJson("layer_types", "[\"sliding_attention\", \"full_attention\", \"full_attention\", \"sliding_attention\"]")
                .build();
        assertArrayEquals(new int[] {16, 0, 0, 16}, windows(typed));
        var noEos = assertThrows(ModelConfigException.class,
                () -> small("qwen2").setJson("eos_token_id", "null").build());
        assertTrue(noEos.getMessage().contains("eos_token_id"), noEos.getMessage());

        assertArrayEquals(new int[] {4096, 4096, 4096, 4096}, windows(small("mistral").build()),
                "MistralConfig's default window");
        assertArrayEquals(new int[] {0, 0, 0, 0}, windows(small("mistral").setJson("sliding_window", "null").build()));
        assertFalse(small("mistral").set("attention_bias", true).build().qkvBias(), "Mistral has no biases");

        LlamaConfig llama3 = small("llama").setJson("eos_token_id", "[128001, 128008, 128009]")
                .set("vocab_size", 128256).set("head_dim", 16).build();
        assertArrayEquals(new int[] {128001, 128008, 128009}, llama3.eosTokenIds());
        assertEquals(128001, llama3.eosTokenId());
        assertEquals(16, llama3.headDim(), "head_dim overrides hidden_size / heads");
    }

    private static int[] windows(LlamaConfig c) {
        int[] out = new int[c.numLayers()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.slidingWindow(i);
        }
        return out;
    }

    @Test
    void invalidConfigsNameTheField() {
        assertNames("model_type", () -> LlamaConfig.builder("gpt2").set("vocab_size", 10).build());
        assertNames("num_key_value_heads", () -> small("llama").set("num_key_value_heads", 3).build());
        assertNames("hidden_size", () -> small("llama").set("hidden_size", 30).build());
        assertNames("hidden_act", () -> small("llama").set("hidden_act", "sparkle").build());
        assertNames("intermediate_size", () -> small("llama").set("intermediate_size", 0).build());
        assertNames("eos_token_id", () -> small("llama").set("eos_token_id", 100).build());
        assertNames("rope_scaling", () -> small("llama").setJson("rope_scaling",
                "{\"rope_type\": \"dynamic\", \"factor\": 2.0}").build());
        assertNames("factor", () -> small("llama").setJson("rope_scaling", "{\"type\": \"linear\"}").build());
        assertNames("original_max_position_embeddings", () -> small("llama").setJson("rope_scaling",
                "{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                        + " \"original_max_position_embeddings\": 0}").build());
        assertNames("layer_types", () -> small("qwen2").set("eos_token_id", 7)
                .setJson("layer_types", "[\"chunked_attention\", \"full_attention\", \"full_attention\", \"full_attention\"]")
                .build());
        assertEquals(LlamaConfig.RopeScaling.NONE,
                small("llama").setJson("rope_scaling", "{\"rope_type\": \"default\"}").build().ropeScaling());
    }

    private static void assertNames(String field, Supplier<LlamaConfig> build) {
        var e = assertThrows(ModelConfigException.class, build::get);
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    /** The structures of published checkpoints, counted from the built model against their published sizes. */
    @Test
    void presetsBuildThePublishedParameterCounts() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(494_032_768L, build(m, "qwen2-0.5b").parameterCount());
            assertEquals(1_100_048_384L, build(m, "tinyllama-1.1b").parameterCount());
            assertEquals(1_235_814_400L, build(m, "llama-3.2-1b").parameterCount());
        }
        LlamaConfig mistral = LlamaConfig.preset("mistral-7b-v0.1");
        assertEquals(4096, mistral.slidingWindow(31));
        assertEquals(8, mistral.numKeyValueHeads());
        assertEquals("llama3", LlamaConfig.preset("llama-3.2-1b").ropeScaling().type());
        assertTrue(LanguageModel.presets().containsAll(LlamaConfig.PRESETS));
        var e = assertThrows(ModelConfigException.class, () -> LanguageModel.preset("gpt-5"));
        assertTrue(e.getMessage().contains("qwen2-0.5b") && e.getMessage().contains("t5-small"), e.getMessage());
    }

    private static LanguageModel build(NDManager m, String preset) {
        LanguageModel model = LanguageModel.create(LanguageModel.preset(preset), m, DataType.FLOAT32);
        assertInstanceOf(LlamaModel.class, model);
        return model;
    }
}
