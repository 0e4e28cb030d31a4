package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.SequenceMask;
import org.routelab.routing.TokenRouter;

class MoeLoraTest {
    @Test
    void oneExpertEqualsLora() {
        try (NDManager m = NDManager.newBaseManager()) {
            MethodConfig one = TinyMethods.config("moe-lora").with("experts", 1);
            T5Model moe = TinyMethods.model(m, one, 1);
            TinyMethods.randomiseUpFactors(moe, m);
            // the experts run at LoRA's scale 1: alpha = r (LoRA's default alpha = 1 scales by 1/r)
            T5Model lora = TinyMethods.model(m, TinyMethods.config("lora").with("alpha", 2), 1);
            var target = lora.namedParameters();
            moe.namedParameters().forEach((name, p) -> {
                if (name.contains(".lora_")) {
                    Parameter t = target.get(name);
                    t.set(p.array().reshape(t.shape()).duplicate());
                }
            });
            Seq2SeqBatch batch = TinyMethods.batch(m, 4);
            for (ForwardContext ctx : new ForwardContext[] {ForwardContext.eval(), ForwardContext.train()}) {
                assertArrayEquals(TinyT5.values(lora.logits(batch, ctx)), TinyT5.values(moe.logits(batch, ctx)), 1e-5f);
            }
        }
    }

    /**
     * The mixture (router and experts in one feature-major product, two products for all experts) equals
     * each expert's own update weighed by the per-token softmax, in values and in the gradients of the
     * input and of every parameter, at ranks 1 and 2, soft and top-2.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"1, 0", "2, 0", "1, 2", "2, 2"})
    void theMixtureIsEachExpertsUpdateWeighed(int rank, int topK) {
        try (NDManager m = NDManager.newBaseManager()) {
            MoeLora moe = new MoeLora(m, 6, 5, new MoeLora.Options(rank, 3, topK, 0f),
                    RandomStream.of(4), DataType.FLOAT32);
            RandomStream values = RandomStream.of(5);
            moe.parameter("lora_b").set(values.normal(m, 0f, 1f, new Shape(3, rank, 5), DataType.FLOAT32));
            moe.router().parameter("weight").set(values.normal(m, 0f, 1f, new Shape(3, 6), DataType.FLOAT32));
            float[] x = values.normal(m, 0f, 1f, new Shape(2, 4, 6), DataType.FLOAT32).toFloatArray();
            NDArray weights = values.normal(m, 0f, 1f, new Shape(2, 4, 5), DataType.FLOAT32);
            float[][] mixture = TinyMethods.valuesAndGradients(moe, x, new Shape(2, 4, 6), weights,
                    in -> moe.delta(in, ForwardContext.train().newPass()));
            float[][] perExpert = TinyMethods.valuesAndGradients(moe, x, new Shape(2, 4, 6), weights,
                    in -> perExpert(moe, in, topK));
            assertArrayEquals(perExpert[0], mixture[0], 1e-5f);
            assertArrayEquals(perExpert[1], mixture[1], 1e-5f);
        }
    }

    /** {@code sum_e p_e x A_e B_e} with {@code p = softmax(x W^T)} per token (top-k kept and renormalised). */
    private static NDArray perExpert(MoeLora moe, NDArray x, int topK) {
        NDArray p = ai.djl.nn.core.Linear.linear(x, moe.router().parameter("weight").array()).singletonOrThrow()
                .softmax(2);
        if (topK > 0) {
            NDArray kept = p.stopGradient().topK(topK, 2, true, false).get(1).oneHot(3).sum(new int[] {2});
            p = p.mul(kept);
            p = p.div(p.sum(new int[] {2}, true));
        }
        return TinyMethods.expertByExpert(moe, x, p);
    }

    @Test
    void topKKeepsExactlyKExpertsPerTokenRenormalised() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(2);
            TokenRouter router = new TokenRouter(m, 6, 5, 2, 0f, RandomStream.of(0), DataType.FLOAT32);
            router.parameter("weight").set(m.randomNormal(0f, 1f, new Shape(5, 6), DataType.FLOAT32));
            NDArray x = m.randomNormal(new Shape(3, 4, 6));
            float[] p = router.probabilities(x).toFloatArray();
            float[] w = router.weights(x, ForwardContext.eval()).toFloatArray();
            for (int t = 0; t < 12; t++) {
                int first = -1;
                int second = -1;
                for (int e = 0; e < 5; e++) {
                    float v = p[t * 5 + e];
                    if (first < 0 || v > p[t * 5 + first]) {
                        second = first;
                        first = e;
                    } else if (second < 0 || v > p[t * 5 + second]) {
                        second = e;
                    }
                }
                float kept = p[t * 5 + first] + p[t * 5 + second];
                int nonZero = 0;
                for (int e = 0; e < 5; e++) {
                    float expected = e == first || e == second ? p[t * 5 + e] / kept : 0f;
                    assertEquals(expected, w[t * 5 + e], 1e-6f, "token " + t + " expert " + e);
                    nonZero += w[t * 5 + e] > 0 ? 1 : 0;
                }
                assertEquals(2, nonZero, "token " + t);
            }
        }
    }

    /** Two experts, three tokens of which the last is padding: the loss by hand. */
    @Test
    void loadBalancingLossEqualsTheSwitchFormulaOverRealTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            TokenRouter router = new TokenRouter(m, 2, 2, 0, 0.5f, RandomStream.of(0), DataType.FLOAT32);
            router.parameter("weight").set(m.create(new float[] {1, 0, 0, 1}, new Shape(2, 2)));
            float[][] tokens = {{2, 0}, {0, 1}, {0, 5}};
            NDArray x = m.create(new float[] {2, 0, 0, 1, 0, 5}, new Shape(1, 3, 2));
            NDArray padding = m.create(new long[] {1, 1, 0}, new Shape(1, 3));
            // softmax of (x_0, x_1): token 0 prefers expert 0, token 1 expert 1
            double p00 = 1 / (1 + Math.exp(tokens[0][1] - tokens[0][0]));
            double p10 = 1 / (1 + Math.exp(tokens[1][1] - tokens[1][0]));
            double meanP0 = (p00 + p10) / 2;
            double meanP1 = ((1 - p00) + (1 - p10)) / 2;
            double expected = 2 * (0.5 * meanP0 + 0.5 * meanP1);
            NDArray p = router.probabilities(x);
            assertEquals(expected, router.loadBalancingLoss(p, padding).getFloat(), 1e-6);
            // in training, the layer adds coefficient * loss to the pass's objective
            ForwardContext pass = ForwardContext.train().newPass()
                    .withSequence(SequenceMask.bidirectional(padding), null);
            router.weights(x, pass);
            NDArray zero = m.zeros(new Shape());
            assertEquals(0.5 * expected, pass.plusAuxiliaryLosses(zero).getFloat(), 1e-6);
            var e = assertThrows(IllegalStateException.class, () -> router.weights(x, ForwardContext.train()));
            assertTrue(e.getMessage().contains("newPass"), e.getMessage());
            assertEquals(0f, ForwardContext.eval().plusAuxiliaryLosses(zero).getFloat());
        }
    }

    /** Top-2 of three experts: each token dispatches to two experts, so f counts assignments over 2 * tokens. */
    @Test
    void topKLoadBalancingCountsEveryKeptExpert() {
        try (NDManager m = NDManager.newBaseManager()) {
            TokenRouter router = new TokenRouter(m, 3, 3, 2, 0f, RandomStream.of(0), DataType.FLOAT32);
            router.parameter("weight").set(m.create(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new Shape(3, 3)));
            float[] v = {3, 2, 0, 0, 1, 2};
            NDArray x = m.create(v, new Shape(1, 2, 3));
            // token 0 keeps experts 0 and 1, token 1 experts 1 and 2: f = (1/4, 2/4, 1/4)
            double[] meanP = new double[3];
            for (int t = 0; t < 2; t++) {
                double z = 0;
                for (int e = 0; e < 3; e++) {
                    z += Math.exp(v[t * 3 + e]);
                }
                for (int e = 0; e < 3; e++) {
                    meanP[e] += Math.exp(v[t * 3 + e]) / z / 2;
                }
            }
            double expected = 3 * (0.25 * meanP[0] + 0.5 * meanP[1] + 0.25 * meanP[2]);
            NDArray loss = router.loadBalancingLoss(router.probabilities(x), m.ones(new Shape(1, 2)));
            assertEquals(expected, loss.getFloat(), 1e-6);
        }
    }

    @Test
    void loadBalancingReachesTheObjectiveAndTheRouters() {
        try (NDManager m = NDManager.newBaseManager()) {
            MethodConfig config = TinyMethods.config("moe-lora")
                    .with("experts", 3).with("load_balancing", 0.01f);
            T5Model model = TinyMethods.model(m, config, 2);
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ForwardContext pass = ForwardContext.train().newPass();
                NDArray loss = model.loss(TinyMethods.batch(step, 4), pass);
                NDArray total = pass.plusAuxiliaryLosses(loss);
                // one term per adapted projection (36), each about 0.01 * 1
                float auxiliary = total.getFloat() - loss.getFloat();
                assertTrue(auxiliary > 0.3f && auxiliary < 0.5f, "auxiliary " + auxiliary);
                // B = 0, so only load balancing can move the routers
                gc.backward(total);
            }
            model.namedParameters().forEach((name, p) -> {
                if (name.endsWith("router.weight")) {
                    try (NDArray g = p.array().getGradient()) {
                        assertTrue(g.abs().sum().getFloat() > 0, name);
                    }
                }
            });
        }
    }

    @Test
    void badOptionsAreNamed() {
        var k = assertThrows(IllegalArgumentException.class, () -> MoeLora.Options.DEFAULT.withTopK(9));
        assertTrue(k.getMessage().contains("top-k") && k.getMessage().contains("9"), k.getMessage());
        var e = assertThrows(IllegalArgumentException.class, () -> MoeLora.Options.DEFAULT.withExperts(0));
        assertTrue(e.getMessage().contains("experts") && e.getMessage().contains("0"), e.getMessage());
        var lb = assertThrows(IllegalArgumentException.class, () -> MoeLora.Options.DEFAULT.withLoadBalancing(-1f));
        assertTrue(lb.getMessage().contains("load-balancing") && lb.getMessage().contains("-1.0"), lb.getMessage());
    }
}
