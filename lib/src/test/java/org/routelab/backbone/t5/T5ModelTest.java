package org.routelab.backbone.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.nn.ForwardContext;

class T5ModelTest {

    @ParameterizedTest(name = "v1.1={0}")
    @ValueSource(booleans = {false, true})
    void shapesAndParameterNamesFollowHuggingFace(boolean v11) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, v11, 1);
            var names = model.namedParameters().keySet();
            assertTrue(names.contains("shared.weight"));
            assertTrue(names.contains("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"));
            assertFalse(names.contains("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"));
            assertTrue(names.contains("decoder.block.1.layer.1.EncDecAttention.k.weight"));
            assertTrue(names.contains("decoder.block.1.layer.2.layer_norm.weight"));
            assertTrue(names.contains("encoder.final_layer_norm.weight"));
            assertEquals(v11, names.contains("lm_head.weight"));
            assertEquals(v11, names.contains("encoder.block.0.layer.1.DenseReluDense.wi_0.weight"));
            assertEquals(!v11, names.contains("encoder.block.0.layer.1.DenseReluDense.wi.weight"));

            Seq2SeqBatch batch = TinyT5.batch(m);
            NDArray enc = model.encode(batch.inputIds(), batch.attentionMask(), ForwardContext.eval());
            assertEquals(new Shape(2, 6, 16), enc.getShape());
            NDArray logits = model.logits(batch, ForwardContext.eval());
            assertEquals(new Shape(2, 5, TinyT5.VOCAB), logits.getShape());
            // The loss is the mean NLL over the 3 + 5 real target tokens, recomputed here in plain Java.
            float[] l = TinyT5.values(logits);
            long[] labels = batch.labels().toLongArray();
            double sum = 0;
            int count = 0;
            for (int pos = 0; pos < labels.length; pos++) {
                if (labels[pos] < 0) {
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < TinyT5.VOCAB; v++) {
                    max = Math.max(max, l[pos * TinyT5.VOCAB + v]);
                }
                double z = 0;
                for (int v = 0; v < TinyT5.VOCAB; v++) {
                    z += Math.exp(l[pos * TinyT5.VOCAB + v] - max);
                }
                sum += max + Math.log(z) - l[pos * TinyT5.VOCAB + (int) labels[pos]];
                count++;
            }
            assertEquals(8, count);
            assertEquals(sum / count, model.loss(batch, ForwardContext.eval()).getFloat(), 1e-4);
        }
    }

    @ParameterizedTest(name = "v1.1={0}")
    @ValueSource(booleans = {false, true})
    void paddingDoesNotChangeRealTokenOutputs(boolean v11) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, v11, 2);
            long[] shortIn = {10, 11, 1};
            long[] shortTarget = {14, 15, 1};
            Seq2SeqBatch alone = Seq2SeqBatch.of(m, List.of(shortIn), List.of(shortTarget), 0, 0);
            Seq2SeqBatch padded = Seq2SeqBatch.of(m,
                    List.of(new long[] {5, 6, 7, 8, 9, 3, 4, 1}, shortIn),
                    List.of(new long[] {12, 13, 20, 21, 22, 1}, shortTarget), 0, 0);
            float[] a = TinyT5.values(model.logits(alone, ForwardContext.eval()).get(0));
            float[] b = TinyT5.values(model.logits(padded, ForwardContext.eval()).get(new NDIndex("1, 0:3")));
            assertArrayEquals(a, b, 1e-5f);
            NDArray encAlone = model.encode(alone.inputIds(), alone.attentionMask(), ForwardContext.eval());
            NDArray encPadded = model.encode(padded.inputIds(), padded.attentionMask(), ForwardContext.eval());
            assertArrayEquals(TinyT5.values(encAlone.get(0)),
                    TinyT5.values(encPadded.get(new NDIndex("1, 0:3"))), 1e-5f);
            // The loss ignores padded label positions: the per-example losses average to the batch loss
            // weighted by target length.
            float lossAlone = model.loss(alone, ForwardContext.eval()).getFloat();
            Seq2SeqBatch first = Seq2SeqBatch.of(m, List.of(new long[] {5, 6, 7, 8, 9, 3, 4, 1}),
                    List.of(new long[] {12, 13, 20, 21, 22, 1}), 0, 0);
            float lossFirst = model.loss(first, ForwardContext.eval()).getFloat();
            float lossBoth = model.loss(padded, ForwardContext.eval()).getFloat();
            assertEquals((3 * lossAlone + 6 * lossFirst) / 9, lossBoth, 1e-5);
        }
    }

    @Test
    void decoderIsCausal() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 3);
            Seq2SeqBatch x = Seq2SeqBatch.of(m, List.of(new long[] {5, 6, 1}), List.of(new long[] {7, 8, 9, 1}), 0, 0);
            Seq2SeqBatch y = Seq2SeqBatch.of(m, List.of(new long[] {5, 6, 1}), List.of(new long[] {7, 8, 30, 1}), 0, 0);
            // Changing target 3 changes decoder input 4 only: logits at positions 0..2 stay the same.
            float[] a = TinyT5.values(model.logits(x, ForwardContext.eval()).get(new NDIndex("0, 0:3")));
            float[] b = TinyT5.values(model.logits(y, ForwardContext.eval()).get(new NDIndex("0, 0:3")));
            assertArrayEquals(a, b, 1e-6f);
            float[] c = TinyT5.values(model.logits(x, ForwardContext.eval()).get(new NDIndex("0, 3")));
            float[] d = TinyT5.values(model.logits(y, ForwardContext.eval()).get(new NDIndex("0, 3")));
            assertFalse(java.util.Arrays.equals(c, d));
        }
    }

    @ParameterizedTest(name = "v1.1={0}")
    @ValueSource(booleans = {false, true})
    void cachedGreedyDecodingEqualsFullRecomputation(boolean v11) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, v11, 4);
            Seq2SeqBatch batch = TinyT5.batch(m);
            int steps = 7;
            List<long[]> cached = model.generate(batch.inputIds(), batch.attentionMask(), steps);
            NDArray enc = model.encode(batch.inputIds(), batch.attentionMask(), ForwardContext.eval());
            for (int i = 0; i < 2; i++) {
                List<Long> seq = new ArrayList<>(List.of(0L));
                List<Long> generated = new ArrayList<>();
                for (int s = 0; s < steps; s++) {
                    NDArray ids = m.create(seq.stream().mapToLong(Long::longValue).toArray(), new Shape(1, seq.size()));
                    NDArray logits = model.decode(ids, enc.get(new NDIndex("{}:{}", i, i + 1)),
                            batch.attentionMask().get(new NDIndex("{}:{}", i, i + 1)), ForwardContext.eval(), null);
                    long next = logits.get(new NDIndex("0, -1")).argMax().toType(DataType.INT64, false).getLong();
                    if (next == 1) {
                        break;
                    }
                    generated.add(next);
                    seq.add(next);
                }
                assertArrayEquals(generated.stream().mapToLong(Long::longValue).toArray(), cached.get(i));
            }
            assertTrue(cached.get(0).length > 0, "a random tiny model should not stop at once");
        }
    }

    @Test
    void generationReleasesItsArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 5);
            Seq2SeqBatch batch = TinyT5.batch(m);
            model.generate(batch.inputIds(), batch.attentionMask(), 5);
            int before = m.getManagedArrays().size();
            model.generate(batch.inputIds(), batch.attentionMask(), 5);
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    @Test
    void invalidConfigsNameTheField() {
        var e = assertThrows(ModelConfigException.class,
                () -> T5Config.builder().set("feed_forward_proj", "gated-sparkle").build());
        assertTrue(e.getMessage().contains("feed_forward_proj"), e.getMessage());
        e = assertThrows(ModelConfigException.class, () -> T5Config.builder().set("d_model", -3).build());
        assertTrue(e.getMessage().contains("d_model"), e.getMessage());
        e = assertThrows(ModelConfigException.class, () -> T5Config.builder().set("model_type", "bert").build());
        assertTrue(e.getMessage().contains("model_type") && e.getMessage().contains("bert"), e.getMessage());
    }

    @Test
    void presetsMatchPublishedShapes() {
        T5Config xl = T5Config.preset("t5-xl-lm-adapt");
        assertEquals(2048, xl.dModel());
        assertEquals(5120, xl.dFf());
        assertEquals(24, xl.numDecoderLayers());
        assertTrue(xl.gated());
        assertFalse(xl.tieWordEmbeddings());
        assertEquals(org.routelab.nn.ActivationFunction.GELU_NEW, xl.activation());
        T5Config small = T5Config.preset("t5-small");
        assertFalse(small.gated());
        assertTrue(small.tieWordEmbeddings());
        assertEquals(org.routelab.nn.ActivationFunction.RELU, small.activation());
    }
}
