package org.routelab.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Config;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.testing.Sgd;

class LoraTest {
    private static final float LR = 0.1f;
    private static final LoraConfig RANK_2 = new LoraConfig(2, 4f, 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS);

    @Test
    void injectionSelectsProjectionsByRegexAndFreezesTheBase() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 1);
            long base = model.parameterCount();
            List<String> paths = RANK_2.inject(model, RandomStream.of(0), DataType.FLOAT32);
            // encoder: 2 blocks x (q,k,v,o + wi_0,wi_1,wo); decoder: 2 blocks x (2 x 4 attention + 3 ffn)
            assertEquals(2 * 7 + 2 * 11, paths.size());
            assertTrue(paths.contains("decoder.block.1.layer.1.EncDecAttention.v"));
            assertTrue(paths.contains("encoder.block.0.layer.1.DenseReluDense.wi_1"));
            // LoRA parameters: r (d_in + d_out) per projection
            long expected = 0;
            for (AdaptedLinear l : AdapterInjector.adaptedLayers(model).values()) {
                expected += 2L * (l.inFeatures() + l.outFeatures());
            }
            assertEquals(expected, model.trainableParameterCount());
            assertEquals(base + expected, model.parameterCount());
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                assertEquals(e.getKey().contains(".adapter.lora_"), e.getValue().isTrainable(), e.getKey());
            }
            // checkpoint names of the frozen weights are unchanged
            assertTrue(model.namedParameters().containsKey("decoder.block.1.layer.1.EncDecAttention.v.weight"));
        }
    }

    @Test
    void narrowPatternsSelectOnlyTheirLayers() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, false, 1);
            List<String> paths = new LoraConfig(1, 1f, 0f, "SelfAttention", "q|v").inject(model, RandomStream.of(0), DataType.FLOAT32);
            assertEquals(2 * 2 + 2 * 2, paths.size());
            assertTrue(paths.stream().allMatch(p -> p.contains("SelfAttention") && (p.endsWith(".q") || p.endsWith(".v"))));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new LoraConfig(1, 1f, 0f, "Nothing", "q").inject(TinyT5.model(m, false, 1), RandomStream.of(0), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("Nothing"), e.getMessage());
        }
    }

    @Test
    void zeroInitialisedLoraLeavesLogitsIdentical() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 2);
            Seq2SeqBatch batch = TinyT5.batch(m);
            float[] before = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            RANK_2.inject(model, RandomStream.of(0), DataType.FLOAT32);
            float[] after = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            assertArrayEquals(before, after, 0f);
        }
    }

    @Test
    void gradientsReachExactlyTheLoraParameters() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 3);
            RANK_2.inject(model, RandomStream.of(0), DataType.FLOAT32);
            randomiseB(model, m);
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(model.loss(TinyT5.batch(step), ForwardContext.train()));
            }
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                NDArray a = e.getValue().array();
                if (e.getKey().contains(".adapter.lora_")) {
                    try (NDArray g = a.getGradient()) {
                        assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                    }
                } else {
                    assertFalse(a.hasGradient(), "frozen parameter got a gradient: " + e.getKey());
                }
            }
        }
    }

    @Test
    void mergedAndUnmergedLoraAgree() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, false, 4);
            RANK_2.inject(model, RandomStream.of(0), DataType.FLOAT32);
            randomiseB(model, m);
            Seq2SeqBatch batch = TinyT5.batch(m);
            float[] unmerged = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            float[] w0 = TinyT5.values(model.namedParameters().get("encoder.block.0.layer.0.SelfAttention.q.weight").array());
            AdapterInjector.adaptedLayers(model).values().forEach(AdaptedLinear::merge);
            float[] merged = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            assertArrayEquals(unmerged, merged, 1e-4f);
            float[] w0Merged = TinyT5.values(model.namedParameters().get("encoder.block.0.layer.0.SelfAttention.q.weight").array());
            assertFalse(java.util.Arrays.equals(w0, w0Merged), "merging must change W0");
            AdapterInjector.adaptedLayers(model).values().forEach(AdaptedLinear::unmerge);
            assertArrayEquals(w0, TinyT5.values(model.namedParameters().get("encoder.block.0.layer.0.SelfAttention.q.weight").array()), 1e-6f);
            assertArrayEquals(unmerged, TinyT5.values(model.logits(batch, ForwardContext.eval())), 1e-5f);
        }
    }

    @Test
    void mergingRefusesNonFiniteWeightsAndLeavesW0Alone() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, false, 4);
            RANK_2.inject(model, RandomStream.of(0), DataType.FLOAT32);
            String q = "encoder.block.0.layer.0.SelfAttention.q";
            AdaptedLinear layer = AdapterInjector.adaptedLayers(model).get(q);
            float[] w0 = TinyT5.values(layer.weight().array());
            Parameter b = layer.adapter().parameter("lora_b");
            b.set(b.array().add(Float.NaN));
            var e = assertThrows(IllegalStateException.class, layer::merge);
            assertTrue(e.getMessage().contains("NaN or infinity"), e.getMessage());
            assertFalse(layer.isMerged());
            assertArrayEquals(w0, TinyT5.values(layer.weight().array()), 0f);
        }
    }

    @Test
    void shortLoraTrainingLowersTheLoss() {
        List<Float> losses = train(7, 40);
        float first = losses.get(0);
        float last = losses.get(losses.size() - 1);
        assertTrue(last < 0.5f * first, "losses " + losses);
    }

    @Test
    void sameSeedGivesBitIdenticalTraining() {
        List<Float> a = train(11, 8);
        List<Float> b = train(11, 8);
        assertEquals(a, b);
        List<Float> c = train(12, 8);
        assertFalse(a.equals(c), "a different seed should give a different run");
    }

    @Test
    void trainingStepsDoNotLeakArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 5);
            RANK_2.inject(model, RandomStream.of(0), DataType.FLOAT32);
            stepOnFreshBatch(model, m);
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                stepOnFreshBatch(model, m);
            }
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    private static void stepOnFreshBatch(T5Model model, NDManager m) {
        try (NDManager step = m.newSubManager()) {
            Sgd.step(model, step, TinyT5.batch(step), ForwardContext.train(), 0.1f);
        }
    }

    /**
     * Trains rank-4 LoRA with dropout on a toy task (reverse the input) and returns the losses; the
     * base model and the LoRA initialisation come from the seed.
     */
    private static List<Float> train(int seed, int steps) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Config config = TinyT5.config(true, 0.1);
            T5Model model = new T5Model(m, config, DataType.FLOAT32);
            model.initialize(seed);
            new LoraConfig(4, 8f, 0.05f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS).inject(model, RandomStream.of(0), DataType.FLOAT32);
            List<long[]> inputs = new ArrayList<>();
            List<long[]> targets = new ArrayList<>();
            java.util.Random rnd = new java.util.Random(seed);
            for (int i = 0; i < 8; i++) {
                long[] in = new long[5];
                long[] out = new long[5];
                for (int j = 0; j < 4; j++) {
                    in[j] = 2 + rnd.nextInt(TinyT5.VOCAB - 2);
                }
                for (int j = 0; j < 4; j++) {
                    out[j] = in[3 - j];
                }
                in[4] = 1;
                out[4] = 1;
                inputs.add(in);
                targets.add(out);
            }
            List<Float> losses = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                try (NDManager step = m.newSubManager()) {
                    Seq2SeqBatch batch = Seq2SeqBatch.of(step, inputs, targets, 0, 0);
                    losses.add(Sgd.step(model, step, batch, ForwardContext.train(), LR));
                }
            }
            return losses;
        }
    }

    private static void randomiseB(T5Model model, NDManager m) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getKey().endsWith("lora_b")) {
                e.getValue().set(m.randomNormal(0f, 0.3f, e.getValue().shape(), DataType.FLOAT32));
            }
        }
    }
}
