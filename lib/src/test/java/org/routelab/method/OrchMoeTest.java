package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.SequenceMask;
import org.routelab.routing.InputTaskRouter.Normalisation;
import org.routelab.routing.InputTaskRouter.Pooling;
import org.routelab.routing.InputTaskRouter;
import org.routelab.routing.RouterOptions;

class OrchMoeTest {
    private static final int D = 6;

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void oneAbstractTaskAndOneSkillEqualsLora(Pooling pooling) {
        try (NDManager m = NDManager.newBaseManager()) {
            MethodConfig one = TinyMethods.config("orchmoe").with("skills", 1)
                    .with("abstract_tasks", 1).with("pooling", pooling);
            T5Model orch = TinyMethods.model(m, one, 1);
            TinyMethods.randomiseUpFactors(orch, m);
            // the experts run at LoRA's scale 1: alpha = r (LoRA's default alpha = 1 scales by 1/r)
            T5Model lora = TinyMethods.model(m, TinyMethods.config("lora").with("alpha", 2), 1);
            var target = lora.namedParameters();
            orch.namedParameters().forEach((name, p) -> {
                if (name.contains(".lora_")) {
                    Parameter t = target.get(name);
                    t.set(p.array().reshape(t.shape()).duplicate());
                }
            });
            Seq2SeqBatch batch = TinyT5.batch(m);
            for (ForwardContext ctx : new ForwardContext[] {ForwardContext.eval(), ForwardContext.train()}) {
                assertArrayEquals(TinyT5.values(lora.logits(batch, ctx)), TinyT5.values(orch.logits(batch, ctx)), 1e-5f);
            }
        }
    }

    /**
     * A model's skill allocations are computed together in a pass that remembers (one draw for all
     * layers): without noise that equals every adapter computing alone, and with noise a training pass
     * is fixed by its seed.
     */
    @Test
    void aModelsAllocationsTogetherEqualAloneAndFollowTheSeed() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model orch = TinyMethods.model(m, TinyMethods.config("orchmoe").with("rank", 1), 1);
            TinyMethods.randomiseUpFactors(orch, m);
            Seq2SeqBatch batch = TinyT5.batch(m);
            assertArrayEquals(TinyT5.values(orch.logits(batch, ForwardContext.eval())),
                    TinyT5.values(orch.logits(batch, ForwardContext.eval().newPass())), 1e-5f);
            float[] seeded = TinyT5.values(orch.logits(batch, ForwardContext.train(RandomStream.of(3)).newPass()));
            assertArrayEquals(seeded, TinyT5.values(orch.logits(batch, ForwardContext.train(RandomStream.of(3)).newPass())), 0f);
            assertFalse(Arrays.equals(seeded,
                    TinyT5.values(orch.logits(batch, ForwardContext.train(RandomStream.of(4)).newPass()))));
        }
    }

    /** Padding a sequence with garbage changes neither the attention nor the pooling of its real tokens. */
    @ParameterizedTest
    @EnumSource(Pooling.class)
    void perSequenceRoutingIgnoresPadding(Pooling pooling) {
        try (NDManager m = NDManager.newBaseManager()) {
            OrchMoe adapter = adapter(m, pooling, Normalisation.SOFTMAX);
            NDArray shortRow = m.randomNormal(new Shape(1, 3, D));
            NDArray longRow = m.randomNormal(new Shape(1, 5, D));
            NDArray garbage = m.randomNormal(0f, 50f, new Shape(1, 2, D), DataType.FLOAT32);
            NDArray x = NDArrays.concat(new NDList(longRow, NDArrays.concat(new NDList(shortRow, garbage), 1)), 0);
            NDArray padding = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 5));
            ForwardContext ctx = ForwardContext.eval().withSequence(SequenceMask.bidirectional(padding), null);
            NDArray batched = adapter.delta(x, ctx);
            assertArrayEquals(TinyT5.values(adapter.delta(shortRow, ForwardContext.eval())),
                    TinyT5.values(batched.get("1:2, :3")), 1e-5f);
            assertArrayEquals(TinyT5.values(adapter.delta(longRow, ForwardContext.eval())),
                    TinyT5.values(batched.get("0:1")), 1e-5f);
        }
    }

    /** In a causal stack a token's routing reads no later token: changing the last one leaves the others. */
    @ParameterizedTest
    @EnumSource(Pooling.class)
    void causalStacksNeverLookAhead(Pooling pooling) {
        try (NDManager m = NDManager.newBaseManager()) {
            OrchMoe adapter = adapter(m, pooling, Normalisation.SIGMOID);
            ForwardContext ctx = ForwardContext.eval().withSequence(SequenceMask.causal(0), null);
            NDArray x = m.randomNormal(new Shape(2, 4, D));
            NDArray changed = NDArrays.concat(new NDList(x.get(":, :3"), m.randomNormal(new Shape(2, 1, D))), 1);
            assertArrayEquals(TinyT5.values(adapter.delta(x, ctx).get(":, :3")),
                    TinyT5.values(adapter.delta(changed, ctx).get(":, :3")), 1e-5f);
            if (pooling != Pooling.FIRST) {
                // bidirectionally, the last token changes everyone's routing
                assertFalse(Arrays.equals(TinyT5.values(adapter.delta(x, ForwardContext.eval()).get(":, :3")),
                        TinyT5.values(adapter.delta(changed, ForwardContext.eval()).get(":, :3"))));
            }
            var e = assertThrows(UnsupportedOperationException.class, () -> adapter.delta(x,
                    ForwardContext.eval().withSequence(SequenceMask.causal(3), null)));
            assertTrue(e.getMessage().contains("incremental decoding"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Normalisation.class)
    void skillWeightsSumToOnePerTokenOrSequence(Normalisation normalisation) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(3, 5, D));
            for (Pooling pooling : Pooling.values()) {
                OrchMoe adapter = adapter(m, pooling, normalisation);
                for (ForwardContext ctx : new ForwardContext[] {ForwardContext.eval(), ForwardContext.train()}) {
                    NDArray w = adapter.skillWeights(x, ctx);
                    assertEquals(new Shape(3, pooling == Pooling.NONE ? 5 : 1, 3), w.getShape());
                    for (float s : w.sum(new int[] {2}).toFloatArray()) {
                        assertEquals(1f, s, 1e-5f);
                    }
                }
            }
        }
    }

    /** The self-attention residual of the paper: X^ = softmax(X X^T / sqrt(d)) X + X, then the mean. */
    @Test
    void summaryIsTheMeanOfTheSelfAttentionResidual() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = {1, 0, 0, 2};
            NDArray x = m.create(v, new Shape(1, 2, 2));
            double s = 1 / Math.sqrt(2);
            // scores: row 0 (1, 0) * s, row 1 (0, 4) * s
            double a0 = 1 / (1 + Math.exp(-s));
            double a1 = 1 / (1 + Math.exp(-4 * s));
            double[] r0 = {a0 * 1 + 1, (1 - a0) * 2};
            double[] r1 = {(1 - a1) * 1, a1 * 2 + 2};
            float[] mean = InputTaskRouter.summary(x, null, Pooling.MEAN).toFloatArray();
            assertArrayEquals(new float[] {(float) ((r0[0] + r1[0]) / 2), (float) ((r0[1] + r1[1]) / 2)}, mean, 1e-6f);
            float[] first = InputTaskRouter.summary(x, null, Pooling.FIRST).toFloatArray();
            assertArrayEquals(new float[] {(float) r0[0], (float) r0[1]}, first, 1e-6f);
        }
    }

    /**
     * The summary pools the attention before it meets X; that must equal pooling the residual X^ of
     * every token (the per-token summary) over what each token may see, in values and in gradients.
     */
    @ParameterizedTest
    @EnumSource(value = Pooling.class, names = {"MEAN", "FIRST"})
    void pooledSummaryEqualsPoolingTheResidual(Pooling pooling) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray padding = m.create(new long[] {1, 1, 1, 1, 1, 0, 1, 1, 1, 0}, new Shape(2, 5));
            for (boolean causal : new boolean[] {false, true}) {
                SequenceMask mask = causal ? SequenceMask.causal(0) : SequenceMask.bidirectional(padding);
                // a causal stack pools a running mean per token; the first token is one row either way
                int rows = causal && pooling == Pooling.MEAN ? 5 : 1;
                float[] x = m.randomNormal(new Shape(2, 5, D)).toFloatArray();
                NDArray weights = m.randomNormal(new Shape(2, rows, D));
                float[][] values = new float[2][];
                float[][] gradients = new float[2][];
                for (int form = 0; form < 2; form++) {
                    try (NDManager scope = m.newSubManager();
                            var gc = Engine.getInstance().newGradientCollector()) {
                        NDArray in = scope.create(x, new Shape(2, 5, D));
                        in.setRequiresGradient(true);
                        NDArray pooled = form == 0 ? InputTaskRouter.summary(in, mask, pooling)
                                : byHand(InputTaskRouter.summary(in, mask, Pooling.NONE), causal ? null : padding, pooling)
                                        .get(":, :" + rows);
                        values[form] = pooled.toFloatArray();
                        gc.backward(pooled.mul(weights).sum());
                        gradients[form] = in.getGradient().toFloatArray();
                    }
                }
                assertArrayEquals(values[1], values[0], 1e-5f);
                assertArrayEquals(gradients[1], gradients[0], 1e-5f);
            }
        }
    }

    /**
     * Pools per-token rows {@code [2, 5, D]}, row t over the tokens it may see: the real ones (padding
     * given) or those up to t (causal, padding null); the mean or the first of them.
     */
    private static NDArray byHand(NDArray residual, NDArray padding, Pooling pooling) {
        NDManager m = residual.getManager();
        boolean causal = padding == null;
        float[] pool = new float[2 * 5 * 5];
        float[] real = causal ? new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
                : padding.toType(DataType.FLOAT32, false).toFloatArray();
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 5; t++) {
                int last = causal ? t : 4;
                int count = 0;
                int first = -1;
                for (int s = 0; s <= last; s++) {
                    if (real[b * 5 + s] == 1f) {
                        count++;
                        first = first < 0 ? s : first;
                    }
                }
                for (int s = 0; s <= last; s++) {
                    float w = pooling == Pooling.FIRST ? (s == first ? 1f : 0f) : real[b * 5 + s] / count;
                    pool[(b * 5 + t) * 5 + s] = w;
                }
            }
        }
        return m.create(pool, new Shape(2, 5, 5)).matMul(residual);
    }

    /**
     * The adapter (feature-major mixture, the mask's bias and pooling made once per pass, noise drawn in
     * the batch's shape) equals the paper's eq. 3 written out per skill, {@code sum_s m_s x A_s B_s} with
     * {@code m = softmax(W_task X^ + b) phi} and {@code phi} the normalised Gumbel-sigmoid sample of
     * every example, in values and in the gradients of the input and of every parameter: without a
     * mask, with padding, and in a causal stack, for every pooling, with skills of rank 1 and 2.
     */
    @ParameterizedTest
    @CsvSource({"MEAN, 1", "MEAN, 2", "FIRST, 1", "FIRST, 2", "NONE, 1", "NONE, 2"})
    void theAdapterEqualsEquationThreePerSkill(Pooling pooling, int rank) {
        try (NDManager m = NDManager.newBaseManager()) {
            OrchMoe a = adapter(m, pooling, Normalisation.SOFTMAX, rank);
            RandomStream values = RandomStream.of(6);
            float[] x = values.normal(m, 0f, 1f, new Shape(2, 4, D), DataType.FLOAT32).toFloatArray();
            NDArray weights = values.normal(m, 0f, 1f, new Shape(2, 4, 5), DataType.FLOAT32);
            NDArray padding = m.create(new long[] {1, 1, 1, 0, 1, 1, 1, 1}, new Shape(2, 4));
            for (SequenceMask mask : new SequenceMask[] {null, SequenceMask.bidirectional(padding), SequenceMask.causal(0)}) {
                float[][] adapter = TinyMethods.valuesAndGradients(a, x, new Shape(2, 4, D), weights,
                        in -> a.delta(in, ForwardContext.train(RandomStream.of(8)).newPass().withSequence(mask, null)));
                float[][] perSkill = TinyMethods.valuesAndGradients(a, x, new Shape(2, 4, D), weights,
                        in -> equationThree(a, in, mask, pooling));
                assertArrayEquals(perSkill[0], adapter[0], 1e-5f, pooling + " " + mask);
                assertArrayEquals(perSkill[1], adapter[1], 1e-5f, pooling + " " + mask);
            }
        }
    }

    /**
     * Per-token routing of more tokens than a broadcast product takes ({@link OrchMoe#BROADCAST_VALUES})
     * mixes by a batched product, and equals eq. 3 per skill too, in values and gradients.
     */
    @ParameterizedTest
    @CsvSource({"1", "2"})
    void manyTokensEqualEquationThreePerSkill(int rank) {
        try (NDManager m = NDManager.newBaseManager()) {
            OrchMoe a = adapter(m, Pooling.NONE, Normalisation.SOFTMAX, rank);
            Shape shape = new Shape(1400, 4, D);
            assertTrue(3L * 1400 * 4 * 4 > OrchMoe.BROADCAST_VALUES);
            RandomStream values = RandomStream.of(6);
            float[] x = values.normal(m, 0f, 1f, shape, DataType.FLOAT32).toFloatArray();
            NDArray weights = values.normal(m, 0f, 1f, new Shape(1400, 4, 5), DataType.FLOAT32);
            float[][] adapter = TinyMethods.valuesAndGradients(a, x, shape, weights,
                    in -> a.delta(in, ForwardContext.train(RandomStream.of(8)).newPass()));
            float[][] perSkill = TinyMethods.valuesAndGradients(a, x, shape, weights,
                    in -> equationThree(a, in, null, Pooling.NONE));
            assertArrayEquals(perSkill[0], adapter[0], 1e-5f);
            assertArrayEquals(perSkill[1], adapter[1], 1e-4f);
        }
    }

    /** {@code sum_s m_s x A_s B_s}, computed as written, with the noise of a pass drawing from seed 8. */
    private static NDArray equationThree(OrchMoe a, NDArray x, SequenceMask mask, Pooling pooling) {
        NDManager scope = x.getManager();
        NDArray summary = InputTaskRouter.summary(x, mask, pooling);
        NDArray w = ai.djl.nn.core.Linear.linear(summary, a.taskRouter().parameter("weight").array(),
                a.taskRouter().parameter("bias").array()).singletonOrThrow().softmax(2);
        NDArray u = RandomStream.of(8).uniform(scope, 1e-6f, 1f - 1e-6f, new Shape(x.getShape().get(0), 4, 3),
                DataType.FLOAT32);
        NDArray noisy = a.skillRouter().parameter("module_logits").array().add(u.div(u.neg().add(1f)).log());
        NDArray phi = ai.djl.nn.Activation.sigmoid(noisy);
        phi = phi.div(phi.sum(new int[] {2}, true).add(1e-12f));
        NDArray skills = w.matMul(phi);
        return TinyMethods.expertByExpert(a, x, skills);
    }

    @Test
    void optionsParseAndBadValuesAreNamed() {
        assertEquals(Pooling.NONE, Pooling.parse("None"));
        assertEquals(Normalisation.SIGMOID, Normalisation.parse("sigmoid"));
        var p = assertThrows(IllegalArgumentException.class, () -> Pooling.parse("max"));
        assertTrue(p.getMessage().contains("'max'") && p.getMessage().contains("first"), p.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> OrchMoe.Options.DEFAULT.withAbstractTasks(-2));
        assertTrue(t.getMessage().contains("abstract tasks") && t.getMessage().contains("-2"), t.getMessage());
        MethodConfig c = TinyMethods.config("orchmoe");
        assertEquals(TinyMethods.TASKS, c.options(OrchMoe.Options.class).abstractTasksFor(c.tasks()));
        assertEquals(5, c.with("abstract_tasks", 5).options(OrchMoe.Options.class).abstractTasksFor(c.tasks()));
        assertTrue(c.describe().contains("abstract-tasks=3;pooling=mean;task-norm=softmax"), c.describe());
    }

    /** An adapter on a d = 6 projection: 4 abstract tasks, 3 skills of rank 2, random up factors. */
    private static OrchMoe adapter(NDManager m, Pooling pooling, Normalisation normalisation) {
        return adapter(m, pooling, normalisation, 2);
    }

    /** An adapter on a d = 6 projection: 4 abstract tasks, 3 skills of rank {@code rank}, random up factors. */
    private static OrchMoe adapter(NDManager m, Pooling pooling, Normalisation normalisation, int rank) {
        Engine.getInstance().setRandomSeed(11);
        OrchMoe a = new OrchMoe(m, D, 5, rank, 3, 4, new OrchMoe.Options(rank, 3, 4, pooling, normalisation),
                RouterOptions.DEFAULT, RandomStream.of(0), DataType.FLOAT32);
        a.parameter("lora_b").set(m.randomNormal(new Shape(3, rank, 5)));
        a.skillRouter().parameter("module_logits").set(m.randomNormal(new Shape(4, 3)));
        return a;
    }
}
