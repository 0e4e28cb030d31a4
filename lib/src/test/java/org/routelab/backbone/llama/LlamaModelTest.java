package org.routelab.backbone.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.CausalBatch;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;

class LlamaModelTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void shapesAndParameterNamesFollowHuggingFace(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 1);
            Map<String, Parameter> p = model.namedParameters();
            assertEquals(new Shape(TinyLlama.VOCAB, 16), p.get("model.embed_tokens.weight").shape());
            // grouped-query attention: 4 query heads and 2 key/value heads of size 4
            assertEquals(new Shape(16, 16), p.get("model.layers.1.self_attn.q_proj.weight").shape());
            assertEquals(new Shape(8, 16), p.get("model.layers.1.self_attn.k_proj.weight").shape());
            assertEquals(new Shape(8, 16), p.get("model.layers.1.self_attn.v_proj.weight").shape());
            assertEquals(new Shape(16, 16), p.get("model.layers.1.self_attn.o_proj.weight").shape());
            assertEquals(new Shape(32, 16), p.get("model.layers.0.mlp.gate_proj.weight").shape());
            assertEquals(new Shape(32, 16), p.get("model.layers.0.mlp.up_proj.weight").shape());
            assertEquals(new Shape(16, 32), p.get("model.layers.0.mlp.down_proj.weight").shape());
            assertEquals(new Shape(16), p.get("model.layers.0.input_layernorm.weight").shape());
            assertEquals(new Shape(16), p.get("model.layers.0.post_attention_layernorm.weight").shape());
            assertEquals(new Shape(16), p.get("model.norm.weight").shape());
            boolean qwen = type.equals("qwen2");
            assertEquals(!qwen, p.containsKey("lm_head.weight"), "only the tiny Qwen2 ties its head");
            for (String proj : List.of("q_proj", "k_proj", "v_proj")) {
                assertEquals(qwen, p.containsKey("model.layers.0.self_attn." + proj + ".bias"), proj);
            }
            assertEquals(new Shape(8), qwen ? p.get("model.layers.0.self_attn.k_proj.bias").shape() : new Shape(8));
            assertFalse(p.containsKey("model.layers.0.self_attn.o_proj.bias"));
            assertFalse(p.keySet().stream().anyMatch(n -> n.contains("mlp") && n.endsWith("bias")));
            // 2 layers x (4 attention + 3 feed-forward + 2 norms) + embedding + norm (+ head), + 3 biases per Qwen2 layer
            assertEquals(2 * 9 + 2 + (qwen ? 2 * 3 : 1), p.size());

            CausalBatch batch = TinyLlama.batch(m, model);
            assertEquals(new Shape(2, 9), batch.inputIds().getShape());
            assertEquals(new Shape(2, 9, TinyLlama.VOCAB), model.logits(batch, ForwardContext.eval()).getShape());
            assertEquals(new Shape(2, 16), model.inputEmbedding(batch, ForwardContext.eval()).getShape());
        }
    }

    @Test
    void llamaBiasesFollowAttentionBiasAndMlpBias() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaConfig c = LlamaConfig.builder("llama").set("vocab_size", 40).set("hidden_size", 8)
                    .set("intermediate_size", 8).set("num_hidden_layers", 1).set("num_attention_heads", 2)
                    .set("attention_bias", true).set("mlp_bias", true).build();
            var names = new LlamaModel(m, c, DataType.FLOAT32).namedParameters().keySet();
            for (String proj : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                assertTrue(names.contains("model.layers.0." + proj + ".bias"), proj);
            }
        }
    }

    /** Labels sit one position before their token and cover the target only; ids and masks as documented. */
    @Test
    void batchConcatenatesInputAndTargetWithShiftedLabels() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "llama", 2);
            // The second target starts with BOS (dropped) and lacks EOS (appended).
            CausalBatch b = model.batch(m, List.of(new long[] {1, 5, 6}, new long[] {1, 7}),
                    List.of(new long[] {8, 2}, new long[] {1, 9, 10}));
            assertArrayEquals(new long[] {1, 5, 6, 8, 2, 1, 7, 9, 10, 2}, b.inputIds().toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, b.attentionMask().toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 0, 0, 1, 1, 0, 0, 0}, b.inputMask().toLongArray());
            assertArrayEquals(new long[] {-100, -100, 8, 2, -100, -100, 9, 10, 2, -100}, b.labels().toLongArray());
            assertEquals(5, b.targetTokens());
            CausalBatch padded = model.batch(m, List.of(new long[] {1, 5}, new long[] {1, 7, 8, 9}),
                    List.of(new long[] {3, 2}, new long[] {4, 2}));
            assertArrayEquals(new long[] {1, 5, 3, 2, 0, 0, 1, 7, 8, 9, 4, 2}, padded.inputIds().toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, padded.attentionMask().toLongArray());
            assertArrayEquals(new long[] {-100, 3, 2, -100, -100, -100, -100, -100, -100, 4, 2, -100},
                    padded.labels().toLongArray());
            var e = assertThrows(IllegalArgumentException.class,
                    () -> model.batch(m, List.of(new long[] {5}), List.of(new long[] {1})));
            assertTrue(e.getMessage().contains("target 0 is empty"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void lossIsTheMeanNllOfTheTargetTokensOnly(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 3);
            CausalBatch batch = TinyLlama.batch(m, model);
            float[] l = TinyLlama.values(model.logits(batch, ForwardContext.eval()));
            long[] ids = batch.inputIds().toLongArray();
            // Recomputed here from the documented layout: row 0 = 6 input + 3 target tokens, row 1 = 3 + 5.
            int[][] targetStart = {{6, 9}, {3, 8}};
            int length = 9;
            double sum = 0;
            int count = 0;
            for (int row = 0; row < 2; row++) {
                for (int pos = targetStart[row][0]; pos < targetStart[row][1]; pos++) {
                    int at = (row * length + pos - 1) * TinyLlama.VOCAB;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < TinyLlama.VOCAB; v++) {
                        max = Math.max(max, l[at + v]);
                    }
                    double z = 0;
                    for (int v = 0; v < TinyLlama.VOCAB; v++) {
                        z += Math.exp(l[at + v] - max);
                    }
                    sum += max + Math.log(z) - l[at + (int) ids[row * length + pos]];
                    count++;
                }
            }
            assertEquals(8, count);
            assertEquals(sum / count, model.loss(batch, ForwardContext.eval()).getFloat(), 1e-4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void paddingDoesNotChangeRealTokenOutputs(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 4);
            long[] shortIn = {1, 10, 11};
            long[] shortTarget = {14, 15, 2};
            CausalBatch alone = model.batch(m, List.of(shortIn), List.of(shortTarget));
            CausalBatch padded = model.batch(m, List.of(new long[] {1, 5, 6, 7, 8, 9, 3, 4}, shortIn),
                    List.of(new long[] {12, 13, 20, 21, 22, 2}, shortTarget));
            float[] a = TinyLlama.values(model.logits(alone, ForwardContext.eval()).get(0));
            float[] b = TinyLlama.values(model.logits(padded, ForwardContext.eval()).get(new NDIndex("1, 0:6")));
            assertArrayEquals(a, b, 1e-5f);
            assertArrayEquals(TinyLlama.values(model.inputEmbedding(alone, ForwardContext.eval())),
                    TinyLlama.values(model.inputEmbedding(padded, ForwardContext.eval()).get(1)), 1e-5f);
            float lossAlone = model.loss(alone, ForwardContext.eval()).getFloat();
            CausalBatch first = model.batch(m, List.of(new long[] {1, 5, 6, 7, 8, 9, 3, 4}),
                    List.of(new long[] {12, 13, 20, 21, 22, 2}));
            float lossFirst = model.loss(first, ForwardContext.eval()).getFloat();
            float lossBoth = model.loss(padded, ForwardContext.eval()).getFloat();
            assertEquals((3 * lossAlone + 6 * lossFirst) / 9, lossBoth, 1e-5);
        }
    }

    @Test
    void inputEmbeddingAveragesTheFinalStatesOfTheInputTokensOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "llama", 10);
            long[] input = {1, 5, 6, 7};
            CausalBatch a = model.batch(m, List.of(input), List.of(new long[] {8, 2}));
            CausalBatch b = model.batch(m, List.of(input), List.of(new long[] {30, 31, 32, 2}));
            float[] pooled = TinyLlama.values(model.inputEmbedding(a, ForwardContext.eval()));
            // (up to rounding: the two passes have different lengths)
            assertArrayEquals(pooled, TinyLlama.values(model.inputEmbedding(b, ForwardContext.eval())), 1e-6f,
                    "the target must not reach the input embedding");
            float[] states = TinyLlama.values(model.hiddenStates(a.inputIds(), a.attentionMask(), ForwardContext.eval()));
            float[] mean = new float[16];
            for (int t = 0; t < input.length; t++) {
                for (int i = 0; i < 16; i++) {
                    mean[i] += states[t * 16 + i] / input.length;
                }
            }
            assertArrayEquals(mean, pooled, 1e-5f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void laterTokensDoNotChangeEarlierLogits(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 5);
            CausalBatch x = model.batch(m, List.of(new long[] {1, 5, 6}), List.of(new long[] {7, 8, 9, 2}));
            CausalBatch y = model.batch(m, List.of(new long[] {1, 5, 6}), List.of(new long[] {7, 8, 30, 2}));
            // The changed token is at position 5: logits at positions 0..4 stay, position 5 moves.
            float[] a = TinyLlama.values(model.logits(x, ForwardContext.eval()).get(new NDIndex("0, 0:5")));
            float[] b = TinyLlama.values(model.logits(y, ForwardContext.eval()).get(new NDIndex("0, 0:5")));
            assertArrayEquals(a, b, 0f);
            float[] c = TinyLlama.values(model.logits(x, ForwardContext.eval()).get(new NDIndex("0, 5")));
            float[] d = TinyLlama.values(model.logits(y, ForwardContext.eval()).get(new NDIndex("0, 5")));
            assertFalse(Arrays.equals(c, d));
        }
    }

    /**
     * Mistral's window of 3 positions over 2 layers: position p reads positions p-4..p, so changing
     * token 0 moves the logits up to position 4 and leaves every later position bit-identical; the
     * same weights without the window (Llama) do see token 0 from everywhere.
     */
    @Test
    void slidingWindowLimitsHowFarBackEachLayerLooks() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel mistral = TinyLlama.model(m, "mistral", 6);
            LlamaModel llama = new LlamaModel(m, TinyLlama.config("llama"), DataType.FLOAT32);
            llama.namedParameters().forEach((n, p) -> p.set(mistral.namedParameters().get(n).array().duplicate()));
            long[] in = {1, 5, 6, 7, 8, 9, 10, 11};
            long[] changed = in.clone();
            changed[0] = 3;
            for (LlamaModel model : List.of(mistral, llama)) {
                boolean windowed = model == mistral;
                float[][] a = perPosition(model, m, in);
                float[][] b = perPosition(model, m, changed);
                for (int pos = 0; pos < a.length; pos++) {
                    boolean same = Arrays.equals(a[pos], b[pos]);
                    assertEquals(windowed && pos >= 5, same, (windowed ? "mistral" : "llama") + " position " + pos);
                }
            }
            // Within the window both models agree exactly.
            float[][] w = perPosition(mistral, m, in);
            float[][] f = perPosition(llama, m, in);
            assertArrayEquals(w[2], f[2], 0f);
            assertFalse(Arrays.equals(w[3], f[3]));
        }
    }

    private static float[][] perPosition(LlamaModel model, NDManager m, long[] ids) {
        CausalBatch b = model.batch(m, List.of(ids), List.of(new long[] {2}));
        float[] l = TinyLlama.values(model.logits(b, ForwardContext.eval()));
        float[][] out = new float[ids.length][];
        for (int pos = 0; pos < ids.length; pos++) {
            out[pos] = Arrays.copyOfRange(l, pos * TinyLlama.VOCAB, (pos + 1) * TinyLlama.VOCAB);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void cachedGreedyDecodingEqualsFullRecomputation(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 7);
            List<long[]> prompts = List.of(new long[] {1, 5, 6, 7, 8, 9}, new long[] {1, 10, 11});
            int steps = 8;
            List<long[]> cached = model.generate(m, prompts, steps);
            for (int i = 0; i < prompts.size(); i++) {
                List<Long> seq = new ArrayList<>();
                Arrays.stream(prompts.get(i)).forEach(seq::add);
                List<Long> generated = new ArrayList<>();
                for (int s = 0; s < steps; s++) {
                    long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
                    // A full pass over the sequence so far (the appended target does not reach earlier logits).
                    CausalBatch batch = model.batch(m, List.of(ids), List.of(new long[] {2}));
                    long next = model.logits(batch, ForwardContext.eval()).get(new NDIndex("0, {}", ids.length - 1))
                            .argMax().toType(DataType.INT64, false).getLong();
                    if (next == 2) {
                        break;
                    }
                    generated.add(next);
                    seq.add(next);
                }
                assertArrayEquals(generated.stream().mapToLong(Long::longValue).toArray(), cached.get(i), "prompt " + i);
                // Left padding in a batch gives what the prompt gives alone.
                assertArrayEquals(model.generate(m, List.of(prompts.get(i)), steps).get(0), cached.get(i));
            }
            assertTrue(cached.get(0).length > 0, "a random tiny model should not stop at once");
        }
    }

    @Test
    void generationStopsAtAnyEndOfSequenceTokenAndReleasesItsArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "llama", 8);
            List<long[]> prompts = List.of(new long[] {1, 5, 6}, new long[] {1, 7});
            List<long[]> free = model.generate(m, prompts, 6);
            // Declare the first generated token of prompt 0 an end-of-sequence token too: that row stops at once.
            LlamaConfig stopping = LlamaConfig.fromJson(new org.routelab.backbone.ConfigJson(withEos(
                    model.config(), 2, (int) free.get(0)[0]), "test"));
            LlamaModel same = new LlamaModel(m, stopping, DataType.FLOAT32);
            same.namedParameters().forEach((n, p) -> p.set(model.namedParameters().get(n).array().duplicate()));
            assertEquals(0, same.generate(m, prompts, 6).get(0).length);
            int before = m.getManagedArrays().size();
            model.generate(m, prompts, 6);
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    private static com.google.gson.JsonObject withEos(LlamaConfig config, int... ids) {
        com.google.gson.JsonObject o = config.toJson();
        com.google.gson.JsonArray list = new com.google.gson.JsonArray();
        Arrays.stream(ids).forEach(list::add);
        o.add("eos_token_id", list);
        return o;
    }

    @Test
    void sequencesBeyondTheMaximumPositionAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "llama", 9);
            long[] longInput = new long[60];
            Arrays.fill(longInput, 5);
            var e = assertThrows(IllegalArgumentException.class, () -> model.logits(
                    model.batch(m, List.of(longInput), List.of(new long[] {6, 7, 8, 9, 2})), ForwardContext.eval()));
            assertTrue(e.getMessage().contains("max_position_embeddings (64)") && e.getMessage().contains("65"),
                    e.getMessage());
            var bf16 = assertThrows(IllegalArgumentException.class,
                    () -> new LlamaModel(m, TinyLlama.config("llama"), DataType.BFLOAT16));
            assertTrue(bf16.getMessage().contains("bfloat16"), bf16.getMessage());
        }
    }
}
