package org.routelab.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

class RouterTest {
    private static final long[] MIXED = {0, 2, 1, 2};

    @Test
    void everyRoutingModeGivesGroupsThatSumToOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            List<RouterOptions> options = List.of(RouterOptions.DEFAULT,
                    new RouterOptions(RouterOptions.Sampling.SIGMOID, 0.5f, false),
                    new RouterOptions(RouterOptions.Sampling.GUMBEL_SIGMOID, 2f, false));
            for (RouterOptions o : options) {
                TaskRouter r = new TaskRouter(m, 3, 4, 5, o, RandomStream.of(0), DataType.FLOAT32);
                for (ForwardContext ctx : List.of(ForwardContext.train(), ForwardContext.eval())) {
                    assertGroupsSumToOne(r.weights(ctx.withTaskIds(MIXED), m, 4), 4, 4, 5);
                    int rows = ctx.training() && o.noisy() ? 4 : 1;
                    assertGroupsSumToOne(r.weights(ctx.withTaskIds(1, 1, 1, 1), m, 4), rows, 4, 5);
                }
            }
            assertGroupsSumToOne(new UniformRouter(2, 3, DataType.FLOAT32).weights(ForwardContext.train(), m, 4), 1, 2, 3);
            RandomRouter random = new RandomRouter(2, 3, DataType.FLOAT32);
            assertGroupsSumToOne(random.weights(ForwardContext.train(), m, 64), 64, 2, 3);
            assertGroupsSumToOne(random.weights(ForwardContext.eval(), m, 64), 1, 2, 3);
        }
    }

    /** The reference draws a relaxed Bernoulli per example, also when the whole batch has one task. */
    @Test
    void gumbelSigmoidDrawsOneSamplePerExampleOfASingleTaskBatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(4);
            TaskRouter r = new TaskRouter(m, 3, 1, 8, RouterOptions.DEFAULT, RandomStream.of(4), DataType.FLOAT32);
            NDArray w = r.weights(ForwardContext.train().withTaskIds(2, 2, 2), m, 3);
            assertEquals(new Shape(3, 1, 8), w.getShape());
            float[] v = w.toFloatArray();
            for (int example = 1; example < 3; example++) {
                float[] other = java.util.Arrays.copyOfRange(v, 8 * example, 8 * example + 8);
                assertTrue(!java.util.Arrays.equals(java.util.Arrays.copyOfRange(v, 0, 8), other),
                        "examples 0 and " + example + " share one noise sample");
            }
            TaskRouter deterministic = new TaskRouter(m, 3, 1, 8,
                    new RouterOptions(RouterOptions.Sampling.SIGMOID, 1f, false), RandomStream.of(4), DataType.FLOAT32);
            assertEquals(new Shape(1, 1, 8),
                    deterministic.weights(ForwardContext.train().withTaskIds(2, 2, 2), m, 3).getShape());
        }
    }

    /** Straight-through groups are hard: all experts they draw weigh the same, and a group may draw none. */
    @Test
    void straightThroughAllocationsAreBinaryBeforeNormalisation() {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskRouter r = new TaskRouter(m, 3, 1, 6, new RouterOptions(RouterOptions.Sampling.GUMBEL_SIGMOID, 1f, true), RandomStream.of(0),
                    DataType.FLOAT32);
            float[] w = r.weights(ForwardContext.train().withTaskIds(MIXED), m, 4).toFloatArray();
            for (int row = 0; row < 4; row++) {
                int active = 0;
                for (int k = 0; k < 6; k++) {
                    active += w[row * 6 + k] > 0 ? 1 : 0;
                }
                for (int k = 0; k < 6; k++) {
                    float v = w[row * 6 + k];
                    assertTrue(v == 0f || Math.abs(v - 1f / active) < 1e-6, "weight " + v + " with " + active + " active");
                }
            }
        }
    }

    @Test
    void evaluationUsesTheSigmoidOfEachExamplesTaskRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskRouter r = new TaskRouter(m, 3, 1, 2, RouterOptions.DEFAULT, RandomStream.of(0), DataType.FLOAT32);
            r.parameter("module_logits").set(m.create(new float[] {0, 0, 2, -2, 1, 3}, new Shape(3, 2)));
            float[] w = r.weights(ForwardContext.eval().withTaskIds(2, 1), m, 2).toFloatArray();
            double s1 = sigmoid(1);
            double s3 = sigmoid(3);
            double a = sigmoid(2);
            double b = sigmoid(-2);
            assertArrayEquals(new float[] {(float) (s1 / (s1 + s3)), (float) (s3 / (s1 + s3)),
                    (float) (a / (a + b)), (float) (b / (a + b))}, w, 1e-6f);
        }
    }

    @Test
    void aPassSamplesEachRouterOnceAndANewPassSamplesAgain() {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskRouter r = new TaskRouter(m, 3, 1, 4, RouterOptions.DEFAULT, RandomStream.of(0), DataType.FLOAT32);
            ForwardContext pass = ForwardContext.train(RandomStream.of(0)).withTaskIds(MIXED);
            NDArray first = r.weights(pass, m, 4);
            assertSame(first, r.weights(pass, m, 4));
            NDArray next = r.weights(ForwardContext.train(RandomStream.of(1)).withTaskIds(MIXED), m, 4);
            assertNotEquals(java.util.Arrays.toString(first.toFloatArray()), java.util.Arrays.toString(next.toFloatArray()));
        }
    }

    /**
     * A bank's routers in a training pass over a mixed batch (a task repeated, one absent) each give the
     * normalised Gumbel-sigmoid of its examples' task rows, picked by a one-hot product as written, with
     * the noise of the pass's one draw {@code u [routers, B, groups * experts]}: in values and in the
     * gradients of every router's logits.
     */
    @Test
    void aBankPicksEachExamplesTaskRowAsAOneHotProductWould() {
        try (NDManager m = NDManager.newBaseManager()) {
            RouterBank bank = new RouterBank();
            List<TaskRouter> routers = List.of(
                    new TaskRouter(bank, m, 4, 2, 3, RouterOptions.DEFAULT, RandomStream.of(1), DataType.FLOAT32),
                    new TaskRouter(bank, m, 4, 2, 3, RouterOptions.DEFAULT, RandomStream.of(2), DataType.FLOAT32));
            for (TaskRouter r : routers) {
                r.parameter("module_logits").set(RandomStream.of(7 + r.slot()).normal(m, 0f, 1f, new Shape(4, 6),
                        DataType.FLOAT32));
                r.setTrainable(true);
            }
            NDArray lossWeights = RandomStream.of(9).normal(m, 0f, 1f, new Shape(2, MIXED.length, 2, 3),
                    DataType.FLOAT32);
            float[][] bankValues = valuesAndGradients(routers, lossWeights, (r, scope) -> r.weights(
                    ForwardContext.train(RandomStream.of(5)).withTaskIds(MIXED).newPass(), scope, MIXED.length));
            NDArray u = RandomStream.of(5).uniform(m, 1e-6f, 1f - 1e-6f, new Shape(2, MIXED.length, 6),
                    DataType.FLOAT32);
            float[] oneHot = new float[MIXED.length * 4];
            for (int i = 0; i < MIXED.length; i++) {
                oneHot[i * 4 + (int) MIXED[i]] = 1f;
            }
            NDArray picks = m.create(oneHot, new Shape(MIXED.length, 4));
            float[][] written = valuesAndGradients(routers, lossWeights, (r, scope) -> {
                NDArray ui = u.get(r.slot());
                NDArray logits = picks.matMul(r.parameter("module_logits").array()).add(ui.div(ui.neg().add(1f)).log());
                NDArray w = Activation.sigmoid(logits).reshape(MIXED.length, 2, 3);
                return w.div(w.sum(new int[] {2}, true).add(1e-12f));
            });
            assertArrayEquals(written[0], bankValues[0], 1e-6f);
            assertArrayEquals(written[1], bankValues[1], 1e-6f);
        }
    }

    /** The routers' weights, and their logits' gradients under {@code sum(w * lossWeights)}. */
    private static float[][] valuesAndGradients(List<TaskRouter> routers, NDArray lossWeights,
            BiFunction<TaskRouter, NDManager, NDArray> weights) {
        try (NDManager scope = lossWeights.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList w = new NDList();
            for (TaskRouter r : routers) {
                w.add(weights.apply(r, scope));
            }
            NDArray values = NDArrays.stack(w);
            gc.backward(values.mul(lossWeights).sum());
            NDList gradients = new NDList();
            for (TaskRouter r : routers) {
                try (NDArray g = r.parameter("module_logits").array().getGradient()) {
                    NDArray copy = g.duplicate();
                    copy.attach(scope);
                    gradients.add(copy);
                    g.subi(g);
                }
            }
            return new float[][] {values.toFloatArray(), NDArrays.stack(gradients).toFloatArray()};
        }
    }

    @Test
    void badTaskIdsAndOptionsAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskRouter r = new TaskRouter(m, 3, 1, 2, RouterOptions.DEFAULT, RandomStream.of(0), DataType.FLOAT32);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> r.weights(ForwardContext.eval().withTaskIds(0, 3), m, 2));
            assertTrue(e.getMessage().contains("task id 3"), e.getMessage());
            var none = assertThrows(IllegalStateException.class, () -> r.weights(ForwardContext.eval(), m, 2));
            assertTrue(none.getMessage().contains("withTaskIds"), none.getMessage());
            var count = assertThrows(IllegalArgumentException.class,
                    () -> r.weights(ForwardContext.eval().withTaskIds(0), m, 2));
            assertTrue(count.getMessage().contains("1 task ids for a batch of 2"), count.getMessage());
            var t = assertThrows(IllegalArgumentException.class,
                    () -> new RouterOptions(RouterOptions.Sampling.SIGMOID, 0f, false));
            assertTrue(t.getMessage().contains("temperature"), t.getMessage());
            var g = assertThrows(IllegalArgumentException.class, () -> Granularity.parse("row"));
            assertTrue(g.getMessage().contains("'row'") && g.getMessage().contains("block"), g.getMessage());
        }
    }

    @Test
    void granularityGroupsProjectionsByTheirPath() {
        String q = "encoder.block.3.layer.0.SelfAttention.q";
        String wo = "encoder.block.3.layer.1.DenseReluDense.wo";
        assertEquals(q, Granularity.LAYER.groupKey(q));
        assertEquals("encoder.block.3.layer.0.SelfAttention", Granularity.SUBLAYER.groupKey(q));
        assertEquals("encoder.block.3", Granularity.BLOCK.groupKey(q));
        assertEquals(Granularity.BLOCK.groupKey(q), Granularity.BLOCK.groupKey(wo));
        assertNotEquals(Granularity.SUBLAYER.groupKey(q), Granularity.SUBLAYER.groupKey(wo));
        assertEquals("encoder", Granularity.STACK.groupKey(q));
        assertEquals("", Granularity.MODEL.groupKey(q));
        assertEquals("model.layers.7", Granularity.BLOCK.groupKey("model.layers.7.self_attn.q_proj"));
        assertEquals(Granularity.BLOCK, Granularity.parse("Block"));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static void assertGroupsSumToOne(NDArray w, int rows, int groups, int experts) {
        assertEquals(new Shape(rows, groups, experts), w.getShape());
        float[] v = w.toFloatArray();
        for (int g = 0; g < rows * groups; g++) {
            double sum = 0;
            for (int k = 0; k < experts; k++) {
                float x = v[g * experts + k];
                assertTrue(x >= 0 && x <= 1, "weight " + x);
                sum += x;
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }
}
