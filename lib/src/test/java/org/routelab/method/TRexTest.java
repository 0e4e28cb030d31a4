package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.routelab.adapter.FactorBatches;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.routing.RankOneRouter;

class TRexTest {
    private static final int D_IN = 6;
    private static final int D_OUT = 5;

    @Test
    void zeroInitialisedRouterWeighsEveryCellAlike() {
        try (NDManager m = NDManager.newBaseManager()) {
            RankOneRouter router = new RankOneRouter(m, D_IN, 4, 8, 4f, true, true, DataType.FLOAT32);
            NDArray x = m.randomNormal(new Shape(2, 3, D_IN));
            for (float p : router.tokenWeights(x).toFloatArray()) {
                assertEquals(1f / 32, p, 1e-7f);
            }
            // omega = 1/2 at start: G = 1/2 * (1/32) * 32 + 1/2 * 4 * prior
            NDArray prior = TinyMethods.priors(m, 2, 32, 1);
            float[] g = router.mixing(x, ForwardContext.eval().withPriors(prior)).toFloatArray();
            float[] p = prior.toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 3; t++) {
                    for (int c = 0; c < 32; c++) {
                        assertEquals(0.5f + 2f * p[b * 32 + c], g[(b * 3 + t) * 32 + c], 1e-6f);
                    }
                }
            }
        }
    }

    /** omega = 0 and a one-hot prior scaled to 1 select one expert: T-REX is then the LoRA a_i b_j times beta. */
    @Test
    void aOneHotMixingEqualsASingleRankOneLora() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            TRex trex = new TRex(m, D_IN, D_OUT, TRex.Options.DEFAULT, RandomStream.of(0), DataType.FLOAT32);
            trex.parameter("lora_b").set(m.randomNormal(new Shape(8, D_OUT)));
            trex.router().parameter("weight").set(m.randomNormal(new Shape(32, D_IN)));
            trex.router().parameter("w_omega").set(m.create(new float[] {-10f})); // omega = sigmoid(-1000) = 0
            trex.parameter("w_beta").set(m.create(new float[] {0.004f})); // beta = sigmoid(0.4)
            int i = 2;
            int j = 5;
            float[] oneHot = new float[2 * 32];
            oneHot[i * 8 + j] = 0.25f; // times c = 4
            oneHot[32 + i * 8 + j] = 0.25f;
            NDArray x = m.randomNormal(new Shape(2, 3, D_IN));
            NDArray delta = trex.delta(x, ForwardContext.eval().withPriors(m.create(oneHot, new Shape(2, 32))));

            float beta = (float) (1 / (1 + Math.exp(-0.4)));
            Lora lora = new Lora(m, D_IN, D_OUT, new LoraConfig(1, 1f, 0f, "", ""), RandomStream.of(0), DataType.FLOAT32);
            lora.parameter("lora_a").set(trex.parameter("lora_a").array().get(":, " + i + ":" + (i + 1)).duplicate());
            lora.parameter("lora_b").set(trex.parameter("lora_b").array().get(j + ":" + (j + 1)).mul(beta));
            assertArrayEquals(TinyT5.values(lora.delta(x, ForwardContext.eval())), TinyT5.values(delta), 1e-5f);
        }
    }

    /**
     * The adapter's feature-major form (router and down projections in one product, G per cell) equals
     * the paper's form {@code beta * (sum_i h_i G_ij) B} with G computed per token from the parameters, in
     * values and in the gradients of the input and of every parameter, with and without the ablations.
     */
    @Test
    void theFeatureMajorFormEqualsThePapersForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (TRex.Options o : new TRex.Options[] {TRex.Options.DEFAULT, TRex.Options.DEFAULT.withIntuition(false),
                    TRex.Options.DEFAULT.withTokenRouter(false)}) {
                TRex trex = new TRex(m, D_IN, D_OUT, o, RandomStream.of(1), DataType.FLOAT32);
                RandomStream values = RandomStream.of(2);
                trex.namedParameters().values().forEach(p -> p.set(
                        values.normal(m, 0f, 0.01f, p.shape(), DataType.FLOAT32).mul(p.shape().size() == 1 ? 1f : 30f)));
                float[] x = values.normal(m, 0f, 1f, new Shape(2, 3, D_IN), DataType.FLOAT32).toFloatArray();
                NDArray prior = TinyMethods.priors(m, 2, 32, 1);
                NDArray weights = values.normal(m, 0f, 1f, new Shape(2, 3, D_OUT), DataType.FLOAT32);
                float[][] adapter = TinyMethods.valuesAndGradients(trex, x, new Shape(2, 3, D_IN), weights,
                        in -> trex.delta(in, ForwardContext.train().withPriors(prior)));
                float[][] paper = TinyMethods.valuesAndGradients(trex, x, new Shape(2, 3, D_IN), weights,
                        in -> papersForm(trex, o, in, prior));
                assertArrayEquals(paper[0], adapter[0], 1e-5f, o.toString());
                assertArrayEquals(paper[1], adapter[1], 1e-4f, o.toString());
            }
        }
    }

    /**
     * The paper's form per token: {@code G = omega * softmax(x W^T) * I J + (1 - omega) * c * prior},
     * {@code u_j = sum_i (x A)_i G_ij}, {@code delta = beta * u B}.
     */
    private static NDArray papersForm(TRex trex, TRex.Options o, NDArray x, NDArray prior) {
        NDManager scope = x.getManager();
        NDArray c = prior.mul(o.priorScale()).expandDims(1); // [B, 1, I*J]
        NDArray g;
        if (!o.tokenRouter()) {
            g = c;
        } else {
            NDArray p = ai.djl.nn.core.Linear.linear(x, trex.router().parameter("weight").array()).singletonOrThrow()
                    .softmax(2).mul(scope.create((float) o.cells()));
            if (!o.intuition()) {
                g = p;
            } else {
                NDArray omega = ai.djl.nn.Activation.sigmoid(trex.router().parameter("w_omega").array()
                        .mul(scope.create(RankOneRouter.GATE_SHARPNESS)));
                g = p.mul(omega).add(c.mul(scope.ones(new Shape(1)).sub(omega)));
            }
        }
        Shape s = x.getShape();
        g = g.broadcast(s.get(0), s.get(1), o.cells()).reshape(s.get(0), s.get(1), o.down(), o.up());
        NDArray h = x.matMul(trex.parameter("lora_a").array());
        NDArray u = h.expandDims(3).mul(g).sum(new int[] {2});
        NDArray sharpened = trex.parameter("w_beta").array().mul(scope.create(RankOneRouter.GATE_SHARPNESS));
        return u.matMul(trex.parameter("lora_b").array()).mul(ai.djl.nn.Activation.sigmoid(sharpened));
    }

    /**
     * Adapters that compute their scalar gates together in a training pass (adapters of other sizes
     * included: the gates do not depend on them) give each adapter the deltas and the gradients of its
     * parameters and input that its twin, computing alone, gets: when all ask, when some skip a pass and
     * ask in another order, when one was closed, and when a newcomer with other options (its own group)
     * joins.
     */
    @Test
    void adaptersGatedTogetherEqualAdaptersGatedAlone() {
        try (NDManager m = NDManager.newBaseManager(); NDManager closed = m.newSubManager()) {
            FactorBatches batches = new FactorBatches();
            List<TRex> together = new ArrayList<>();
            List<TRex> alone = new ArrayList<>();
            RandomStream values = RandomStream.of(4);
            for (int i = 0; i < 6; i++) {
                TRex.Options o = i < 5 ? TRex.Options.DEFAULT : TRex.Options.DEFAULT.withIntuition(false);
                addTwins(together, alone, i == 2 ? closed : m, m, i < 3 ? D_IN : D_IN + 1, o, i, batches, values);
            }
            List<NDArray> inputs = new ArrayList<>();
            List<NDArray> weights = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                NDArray x = values.normal(m, 0f, 1f, new Shape(3, 4, i < 3 ? D_IN : D_IN + 1), DataType.FLOAT32);
                x.setRequiresGradient(true);
                inputs.add(x);
                weights.add(values.normal(m, 0f, 1f, new Shape(3, 4, D_OUT), DataType.FLOAT32));
            }
            NDArray prior = TinyMethods.priors(m, 3, TRex.Options.DEFAULT.cells(), 6);
            Supplier<ForwardContext> newPass = () -> ForwardContext.train(RandomStream.of(0)).withPriors(prior);
            List<List<Integer>> passes = List.of(List.of(0, 1, 2, 3, 4), List.of(4, 1, 3), List.of(0, 1, 2, 3, 4),
                    List.of(3, 0, 1, 4, 5), List.of(5, 3, 0, 1, 4));
            for (int pass = 0; pass < passes.size(); pass++) {
                List<Integer> asked = passes.get(pass);
                if (pass == 3) {
                    closed.close(); // adapter 2 was gated with the others in the previous pass
                }
                float[][] expected = TinyMethods.pass(alone, inputs, weights, asked, m, newPass);
                float[][] actual = TinyMethods.pass(together, inputs, weights, asked, m, newPass);
                TinyMethods.assertClose(expected[0], actual[0], 1e-5f, "pass " + pass + " " + asked + ": deltas");
                TinyMethods.assertClose(expected[1], actual[1], 1e-5f, "pass " + pass + " " + asked + ": gradients");
            }
        }
    }

    /**
     * The prior's terms of adapters of several options, built together in a pass, give each adapter the
     * deltas and the gradients of its parameters and input that its twin gets alone: adapters of one
     * prior scale and ablations share one product, those of another scale or without the token router
     * build their own.
     */
    @Test
    void priorTermsBuiltTogetherKeepEachAdaptersOptions() {
        try (NDManager m = NDManager.newBaseManager()) {
            FactorBatches batches = new FactorBatches();
            TRex.Options noRouter = TRex.Options.DEFAULT.withTokenRouter(false);
            List<TRex.Options> options = List.of(TRex.Options.DEFAULT, TRex.Options.DEFAULT.withPriorScale(2f),
                    TRex.Options.DEFAULT, noRouter, noRouter.withPriorScale(0.5f), noRouter);
            List<TRex> together = new ArrayList<>();
            List<TRex> alone = new ArrayList<>();
            RandomStream values = RandomStream.of(5);
            List<NDArray> inputs = new ArrayList<>();
            List<NDArray> weights = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                addTwins(together, alone, m, m, D_IN, options.get(i), i, batches, values);
                NDArray x = values.normal(m, 0f, 1f, new Shape(3, 4, D_IN), DataType.FLOAT32);
                x.setRequiresGradient(true);
                inputs.add(x);
                weights.add(values.normal(m, 0f, 1f, new Shape(3, 4, D_OUT), DataType.FLOAT32));
            }
            NDArray prior = TinyMethods.priors(m, 3, TRex.Options.DEFAULT.cells(), 8);
            Supplier<ForwardContext> newPass = () -> ForwardContext.train(RandomStream.of(0)).withPriors(prior);
            List<Integer> asked = List.of(0, 1, 2, 3, 4, 5);
            for (int pass = 0; pass < 2; pass++) {
                float[][] expected = TinyMethods.pass(alone, inputs, weights, asked, m, newPass);
                float[][] actual = TinyMethods.pass(together, inputs, weights, asked, m, newPass);
                TinyMethods.assertClose(expected[0], actual[0], 1e-5f, "pass " + pass + ": deltas");
                TinyMethods.assertClose(expected[1], actual[1], 1e-5f, "pass " + pass + ": gradients");
            }
        }
    }

    /**
     * Adds an adapter that computes its terms with others in {@code batches} and its twin that computes
     * them alone, of equal random parameters (each its own arrays, so closing one leaves the other), both
     * trainable.
     */
    private static void addTwins(List<TRex> together, List<TRex> alone, NDManager owner, NDManager m, int d,
            TRex.Options o, int seed, FactorBatches batches, RandomStream values) {
        TRex t = new TRex(owner, d, D_OUT, o, RandomStream.of(seed), DataType.FLOAT32, batches);
        TRex twin = new TRex(m, d, D_OUT, o, RandomStream.of(seed), DataType.FLOAT32);
        for (var e : t.namedParameters().entrySet()) {
            NDArray v = values.normal(m, 0f, 0.01f, e.getValue().shape(), DataType.FLOAT32)
                    .mul(e.getValue().shape().size() == 1 ? 1f : 30f);
            e.getValue().set(v);
            twin.namedParameters().get(e.getKey()).set(v.duplicate());
        }
        t.setTrainable(true);
        twin.setTrainable(true);
        together.add(t);
        alone.add(twin);
    }

    @Test
    void ablationsDropWhatTheyFixAndTrainTheRest() {
        try (NDManager m = NDManager.newBaseManager()) {
            MethodConfig full = TinyMethods.config("trex");
            T5Model noIntuition = TinyMethods.model(m, full.with("intuition", false), 1);
            TinyMethods.randomiseUpFactors(noIntuition, m);
            // no prior is read: a context without priors runs
            TinyMethods.assertGradients(noIntuition, m, 4, ForwardContext.train().newPass(),
                    name -> name.contains(".adapter."));
            assertEquals(Set.of("lora_a", "lora_b", "w_beta", "router.weight"), adapterParameterNames(noIntuition));

            T5Model noRouter = TinyMethods.model(m, full.with("token_router", false), 1);
            TinyMethods.randomiseUpFactors(noRouter, m);
            TinyMethods.assertGradients(noRouter, m, 4, TinyMethods.taskFree("trex", true, m, 4),
                    name -> name.contains(".adapter."));
            assertEquals(Set.of("lora_a", "lora_b", "w_beta"), adapterParameterNames(noRouter));

            T5Model both = TinyMethods.model(m, full, 1);
            assertEquals(Set.of("lora_a", "lora_b", "w_beta", "router.weight", "router.w_omega"),
                    adapterParameterNames(both));
        }
    }

    @Test
    void withoutTheTokenRouterEveryTokenOfAnExampleMixesAlike() {
        try (NDManager m = NDManager.newBaseManager()) {
            RankOneRouter router = new RankOneRouter(m, D_IN, 2, 3, 4f, true, false, DataType.FLOAT32);
            NDArray prior = TinyMethods.priors(m, 2, 6, 5);
            NDArray g = router.mixing(m.randomNormal(new Shape(2, 7, D_IN)), ForwardContext.eval().withPriors(prior));
            assertEquals(new Shape(2, 1, 2, 3), g.getShape());
            assertArrayEquals(TinyT5.values(prior.mul(4f)), TinyT5.values(g.reshape(2, 6)), 1e-6f);
        }
    }

    @Test
    void missingOrMisshapenPriorsAndBadOptionsAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            RankOneRouter router = new RankOneRouter(m, D_IN, 4, 8, 4f, true, true, DataType.FLOAT32);
            NDArray x = m.randomNormal(new Shape(2, 3, D_IN));
            var none = assertThrows(IllegalStateException.class, () -> router.mixing(x, ForwardContext.eval()));
            assertTrue(none.getMessage().contains("withPriors"), none.getMessage());
            var shape = assertThrows(IllegalStateException.class,
                    () -> router.mixing(x, ForwardContext.eval().withPriors(TinyMethods.priors(m, 2, 6, 1))));
            assertTrue(shape.getMessage().contains("I*J 32"), shape.getMessage());
            var both = assertThrows(IllegalArgumentException.class,
                    () -> TRex.Options.DEFAULT.withIntuition(false).withTokenRouter(false));
            assertTrue(both.getMessage().contains("both are off"), both.getMessage());
            var size = assertThrows(IllegalArgumentException.class, () -> TRex.Options.DEFAULT.withExperts(0, 8));
            assertTrue(size.getMessage().contains("I = 0"), size.getMessage());
            MethodConfig c = TinyMethods.config("trex");
            assertEquals("I=4;J=8;c=4.0", c.describe());
            assertEquals("I=4;J=8;c=4.0;no-router", c.with("token_router", false).describe());
            assertFalse(c.describe().contains("r="));
        }
    }

    /** The names of the first adapter's parameters, relative to the adapter. */
    private static Set<String> adapterParameterNames(T5Model model) {
        String prefix = "encoder.block.0.layer.0.SelfAttention.q.adapter.";
        java.util.Set<String> names = new java.util.TreeSet<>();
        model.namedParameters().keySet().stream().filter(n -> n.startsWith(prefix))
                .forEach(n -> names.add(n.substring(prefix.length())));
        return names;
    }
}
