package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.adapter.AdapterInjector;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.Granularity;
import org.routelab.routing.RoutedAdapter;

/** The special cases where one method must reduce to another. */
class MethodEquivalenceTest {
    private static final long[] MIXED = {2, 0, 1, 0};

    @Test
    void mhrWithOneHeadEqualsPoly() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model poly = TinyMethods.model(m, TinyMethods.config("poly"), 1);
            TinyMethods.randomiseUpFactors(poly, m);
            T5Model mhr = TinyMethods.model(m, TinyMethods.config("mhr").with("heads", 1), 1);
            assertEquals(poly.namedParameters().keySet(), mhr.namedParameters().keySet());
            TinyMethods.copyParameters(poly, mhr, m);
            assertSameLogits(poly, mhr, m, 1e-5f);
        }
    }

    /** The tiny sizes (4 heads, rank 2), and heads one value wide (16 heads of d_model 16, rank 1). */
    @ParameterizedTest
    @CsvSource({"4, 2", "16, 1"})
    void mhrHeadsMixTheirOwnSlices(int heads, int rank) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model poly = TinyMethods.model(m, TinyMethods.config("poly").with("rank", rank), 1);
            TinyMethods.randomiseUpFactors(poly, m);
            T5Model mhr = TinyMethods.model(m, TinyMethods.config("mhr").with("rank", rank).with("heads", heads), 1);
            TinyMethods.randomiseUpFactors(mhr, m);
            // With every head's logits equal to Poly's, MHR's per-head mixture is Poly's mixture.
            for (var e : poly.namedParameters().entrySet()) {
                Parameter target = mhr.namedParameters().get(e.getKey());
                NDArray v = e.getValue().array();
                if (e.getKey().endsWith("module_logits")) {
                    NDArray[] copies = new NDArray[heads];
                    Arrays.fill(copies, v);
                    target.set(ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(copies), 1));
                } else if (e.getKey().endsWith("lora_a")) { // Poly is MHR with one head: [1, S, d_in, r]
                    long skills = v.getShape().get(1);
                    target.set(v.reshape(skills, heads, v.getShape().get(2) / heads, rank).transpose(1, 0, 2, 3).duplicate());
                } else if (e.getKey().endsWith("lora_b")) {
                    long skills = v.getShape().get(1);
                    long out = v.getShape().get(3);
                    target.set(v.reshape(skills, rank, heads, out / heads).transpose(2, 0, 1, 3).duplicate());
                }
            }
            // (Training draws independent noise per head, so only evaluation can agree.)
            Seq2SeqBatch batch = TinyMethods.batch(m, 4);
            assertArrayEquals(TinyT5.values(poly.logits(batch, ForwardContext.eval().withTaskIds(MIXED))),
                    TinyT5.values(mhr.logits(batch, ForwardContext.eval().withTaskIds(MIXED))), 1e-5f);
        }
    }

    @Test
    void polyWithOneSkillEqualsLoraOfScaleOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model poly = TinyMethods.model(m, TinyMethods.config("poly").with("skills", 1), 2);
            TinyMethods.randomiseUpFactors(poly, m);
            T5Model lora = TinyT5.model(m, true, 2);
            new org.routelab.adapter.LoraConfig(2, 1f, 0f, org.routelab.adapter.LoraConfig.T5_MODULES,
                    org.routelab.adapter.LoraConfig.T5_LAYERS).inject(lora, RandomStream.of(0), ai.djl.ndarray.types.DataType.FLOAT32);
            var loraParams = lora.namedParameters();
            for (var e : poly.namedParameters().entrySet()) {
                if (e.getKey().contains(".lora_")) {
                    Parameter target = loraParams.get(e.getKey());
                    target.set(e.getValue().array().reshape(target.shape()).duplicate());
                }
            }
            Seq2SeqBatch batch = TinyMethods.batch(m, 4);
            for (ForwardContext ctx : new ForwardContext[] {ForwardContext.eval(), ForwardContext.train()}) {
                float[] expected = TinyT5.values(lora.logits(batch, ctx));
                float[] actual = TinyT5.values(poly.logits(batch, ctx.withTaskIds(MIXED)));
                assertArrayEquals(expected, actual, 1e-5f);
            }
        }
    }

    @Test
    void tensorPolyIWithOneRankEqualsTLora() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model tlora = TinyMethods.model(m, TinyMethods.config("tlora").with("tensor_rank", 1), 5);
            T5Model tp = TinyMethods.model(m, TinyMethods.config("tensorpoly-1").with("tensor_rank", 1), 4);
            var target = tp.namedParameters();
            tlora.namedParameters().forEach((n, p) -> target.get(n).set(p.array().duplicate()));
            Seq2SeqBatch batch = TinyMethods.batch(m, 4);
            float[] base = TinyT5.values(TinyT5.model(m, true, 3).logits(batch, ForwardContext.eval()));
            for (ForwardContext ctx : new ForwardContext[] {ForwardContext.eval(), ForwardContext.train()}) {
                float[] expected = TinyT5.values(tlora.logits(batch, ctx));
                assertFalse(Arrays.equals(base, expected), "TLoRA must change the output from the start");
                assertArrayEquals(expected, TinyT5.values(tp.logits(batch, ctx.withTaskIds(MIXED))), 1e-4f, "training " + ctx.training());
            }
        }
    }

    /** -mu's single adapter computes what the routed adapter computes under uniform routing. */
    @ParameterizedTest
    @ValueSource(strings = {"poly", "mhr", "tensorpoly-1", "tensorpoly-2"})
    void averagedAdapterEqualsUniformRouting(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 5);
            TinyMethods.randomiseUpFactors(model, m);
            Seq2SeqBatch batch = TinyMethods.batch(m, 4);
            long routedBefore = model.parameterCount();
            // Equal logits make every sigmoid 1/2, so evaluation weighs every expert 1/K.
            for (var e : model.namedParameters().entrySet()) {
                if (e.getKey().endsWith("module_logits")) {
                    e.getValue().set(m.zeros(e.getValue().shape()));
                }
            }
            float[] uniform = TinyT5.values(model.logits(batch, ForwardContext.eval().withTaskIds(MIXED)));
            AdaptationVariant.AVERAGE.apply(model, 1, RandomStream.of(0));
            float[] averaged = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            // float32 rounding of differently ordered sums, amplified through the tiny model: TensorPoly-II's
            // xavier leaves make full-scale factors, and logits of several units
            assertArrayEquals(uniform, averaged, 5e-4f);
            // in passes: the first computes each adapter alone, the next TensorPoly-II's TLoRAs together
            for (int pass = 0; pass < 2; pass++) {
                assertArrayEquals(uniform, TinyT5.values(model.logits(batch, ForwardContext.eval().newPass())), 5e-4f,
                        "pass " + pass);
            }
            if (!method.equals("tensorpoly-1")) {
                assertFalse(AdapterInjector.adaptedLayers(model).values().stream()
                        .anyMatch(l -> l.adapter() instanceof RoutedAdapter), "-mu must leave single adapters");
            }
            assertTrue(model.parameterCount() < routedBefore, "-mu drops the routers' logits");
            assertEquals(model.parameterCount() - TinyT5.model(m, true, 5).parameterCount(),
                    model.trainableParameterCount());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poly", "mhr", "tensorpoly-1", "tensorpoly-2"})
    void mixedTaskBatchesGiveEachExampleItsOwnTasksOutput(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 6);
            TinyMethods.randomiseUpFactors(model, m);
            for (Parameter p : model.namedParameters().values()) {
                if (p.shape().dimension() == 2 && p.shape().get(0) == TinyMethods.TASKS) {
                    p.set(m.randomNormal(0f, 2f, p.shape(), p.array().getDataType()));
                }
            }
            Seq2SeqBatch batch = TinyMethods.batch(m, MIXED.length);
            NDArray mixed = model.logits(batch, ForwardContext.eval().withTaskIds(MIXED));
            Shape s = mixed.getShape();
            for (int i = 0; i < MIXED.length; i++) {
                long task = MIXED[i];
                long[] sameTask = new long[MIXED.length];
                Arrays.fill(sameTask, task);
                NDArray single = model.logits(batch, ForwardContext.eval().withTaskIds(sameTask));
                assertArrayEquals(TinyT5.values(single.get(i)), TinyT5.values(mixed.get(i)), 1e-4f,
                        "example " + i + " of task " + task);
                long other = (task + 1) % TinyMethods.TASKS;
                Arrays.fill(sameTask, other);
                assertFalse(Arrays.equals(TinyT5.values(mixed.get(i)),
                        TinyT5.values(model.logits(batch, ForwardContext.eval().withTaskIds(sameTask)).get(i))),
                        "tasks must route differently");
            }
            assertEquals(MIXED.length, s.get(0));
        }
    }

    /**
     * A model's first pass computes each adapter's factors alone; later passes compute the adapters of
     * one kind and size together (stacked parameters, one batched mixing, or for TLoRA one build of all
     * its entangled tensors). Both must give the same logits and the same gradients of every parameter,
     * on mixed-task batches, with a router per projection and with one router shared by all, in
     * evaluation and in training (the noise of each router must not depend on how the bank lays the
     * routers out).
     */
    @ParameterizedTest
    @ValueSource(strings = {"poly", "mhr", "tensorpoly-1", "tensorpoly-2", "tlora"})
    void adaptersComputedTogetherEqualAdaptersComputedAlone(String method) {
        adaptersComputedTogetherEqualAdaptersComputedAlone(method, ForwardContext::eval);
        // Training: the same stream each pass, so each router must get the same noise in every layout.
        adaptersComputedTogetherEqualAdaptersComputedAlone(method, () -> ForwardContext.train(RandomStream.of(3)));
    }

    private static void adaptersComputedTogetherEqualAdaptersComputedAlone(String method,
            java.util.function.Supplier<ForwardContext> context) {
        for (Granularity granularity : new Granularity[] {Granularity.LAYER, Granularity.MODEL}) {
            try (NDManager m = NDManager.newBaseManager()) {
                T5Model model = TinyMethods.model(m, TinyMethods.config(method).withGranularity(granularity), 6);
                TinyMethods.randomiseUpFactors(model, m);
                Seq2SeqBatch batch = TinyMethods.batch(m, MIXED.length);
                float[][] logits = new float[3][];
                float[][] gradients = new float[3][];
                for (int pass = 0; pass < 3; pass++) {
                    try (NDManager scope = m.newSubManager();
                            var gc = Engine.getInstance().newGradientCollector()) {
                        NDArray out = model.logits(batch, context.get().withTaskIds(MIXED));
                        out.attach(scope);
                        logits[pass] = TinyT5.values(out);
                        gc.backward(out.mul(out.getManager().create(0.01f)).sum());
                        gradients[pass] = readAndClearGradients(model);
                    }
                }
                for (int pass = 1; pass < 3; pass++) {
                    assertArrayEquals(logits[0], logits[pass], 1e-6f, granularity + " pass " + pass);
                    assertArrayEquals(gradients[0], gradients[pass], 1e-5f, granularity + " pass " + pass);
                }
            }
        }
    }

    /** Every trainable parameter's gradient, in model order, then set to zero. */
    private static float[] readAndClearGradients(T5Model model) {
        java.util.List<float[]> parts = new java.util.ArrayList<>();
        for (Parameter p : model.trainableParameters().values()) {
            NDArray g = p.array().getGradient();
            parts.add(g.toFloatArray());
            g.subi(g);
        }
        return TinyMethods.concat(parts);
    }

    private static void assertSameLogits(T5Model a, T5Model b, NDManager m, float tolerance) {
        Seq2SeqBatch batch = TinyMethods.batch(m, 4);
        assertArrayEquals(TinyT5.values(a.logits(batch, ForwardContext.eval().withTaskIds(MIXED))),
                TinyT5.values(b.logits(batch, ForwardContext.eval().withTaskIds(MIXED))), tolerance);
        Engine.getInstance().setRandomSeed(9);
        float[] trainA = TinyT5.values(a.logits(batch, ForwardContext.train().withTaskIds(MIXED)));
        Engine.getInstance().setRandomSeed(9);
        float[] trainB = TinyT5.values(b.logits(batch, ForwardContext.train().withTaskIds(MIXED)));
        assertArrayEquals(trainA, trainB, Math.max(tolerance, 1e-6f));
    }
}
