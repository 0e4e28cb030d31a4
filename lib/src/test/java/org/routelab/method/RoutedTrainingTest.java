package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.adapter.AdaptedLinear;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.Granularity;
import org.routelab.routing.RoutedAdapter;
import org.routelab.testing.Sgd;

/** Training routed methods: what each variant trains, memory across steps, reproducibility, sharing. */
class RoutedTrainingTest {
    private static final long[] MIXED = {2, 0, 1, 0};
    private static final float LR = 0.05f;

    @ParameterizedTest
    @ValueSource(strings = {"poly", "mhr", "tensorpoly-1", "tensorpoly-2"})
    void gradientsReachExactlyWhatEachVariantTrains(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 1);
            TinyMethods.randomiseUpFactors(model, m);
            assertGradients(model, m, MIXED, name -> name.contains(".adapter."));
            AdaptationVariant.FULL.apply(model, 1, RandomStream.of(0));
            assertGradients(model, m, new long[] {0, 0, 0, 0}, name -> name.contains(".adapter."));
            AdaptationVariant.ROUTE_ONLY.apply(model, 1, RandomStream.of(0));
            assertGradients(model, m, new long[] {0, 0, 0, 0}, name -> name.endsWith(".router.module_logits"));
            AdaptationVariant.AVERAGE.apply(model, 1, RandomStream.of(0));
            assertFalse(model.namedParameters().keySet().stream().anyMatch(n -> n.contains("router")));
            assertGradients(model, m, new long[] {0, 0, 0, 0}, name -> name.contains(".adapter."));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poly", "mhr", "tensorpoly-1", "tensorpoly-2"})
    void routeOnlyAdaptationLeavesEveryExpertBitIdentical(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 2);
            step(model, m, MIXED);
            AdaptationVariant.ROUTE_ONLY.apply(model, 1, RandomStream.of(0));
            Map<String, float[]> experts = snapshot(model, n -> n.contains(".adapter.") && !n.contains("router"));
            Map<String, float[]> routers = snapshot(model, n -> n.contains("router"));
            assertFalse(experts.isEmpty());
            long perTask = routers.values().stream().mapToLong(v -> v.length).sum();
            assertEquals(perTask, model.trainableParameterCount());
            for (int s = 0; s < 2; s++) {
                step(model, m, new long[] {0, 0, 0, 0});
            }
            Map<String, float[]> after = snapshot(model, n -> n.contains(".adapter.") && !n.contains("router"));
            experts.forEach((n, v) -> assertArrayEquals(v, after.get(n), 0f, n));
            Map<String, float[]> routersAfter = snapshot(model, n -> n.contains("router"));
            assertTrue(routers.keySet().stream().anyMatch(n -> !java.util.Arrays.equals(routers.get(n), routersAfter.get(n))),
                    "route-only training must change the new task's logits");
        }
    }

    /** Poly-mu fine-tunes the LoRA whose factors are the skills' means: the same run step for step. */
    @Test
    void averageAdaptationEqualsFineTuningTheAveragedLora() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model poly = TinyMethods.model(m, TinyMethods.config("poly"), 3);
            TinyMethods.randomiseUpFactors(poly, m);
            T5Model lora = TinyT5.model(m, true, 3);
            new LoraConfig(2, 1f, 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS).inject(lora, RandomStream.of(0), DataType.FLOAT32);
            Map<String, Parameter> target = lora.namedParameters();
            poly.namedParameters().forEach((name, p) -> {
                if (name.contains(".lora_")) {
                    // the mean over the skill axis, computed here independently of Poly.averaged
                    float[] v = TinyT5.values(p.array());
                    long[] s = p.shape().getShape();
                    int skills = (int) s[1];
                    int rest = (int) (s[2] * s[3]);
                    float[] mean = new float[rest];
                    for (int k = 0; k < skills; k++) {
                        for (int i = 0; i < rest; i++) {
                            mean[i] += v[k * rest + i] / skills;
                        }
                    }
                    target.get(name).set(m.create(mean, target.get(name).shape()));
                }
            });
            AdaptationVariant.AVERAGE.apply(poly, 1, RandomStream.of(0));
            assertTrue(AdapterInjector.adaptedLayers(poly).values().stream().allMatch(l -> l.adapter() instanceof Lora));
            assertEquals(lora.trainableParameterCount(), poly.trainableParameterCount());
            List<Float> polyLosses = new ArrayList<>();
            List<Float> loraLosses = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                try (NDManager step = m.newSubManager()) {
                    polyLosses.add(Sgd.step(poly, step, TinyMethods.batch(step, 4),
                            ForwardContext.train().withTaskIds(0, 0, 0, 0), LR));
                    loraLosses.add(Sgd.step(lora, step, TinyMethods.batch(step, 4), ForwardContext.train(), LR));
                }
            }
            for (int s = 0; s < polyLosses.size(); s++) {
                assertEquals(loraLosses.get(s), polyLosses.get(s), 1e-5f, "step " + s);
            }
            assertNotEquals(polyLosses.get(0), polyLosses.get(2));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poly", "mhr", "tlora", "tensorpoly-1", "tensorpoly-2"})
    void trainingStepsDoNotLeakArrays(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 4);
            step(model, m, MIXED);
            int before = m.getManagedArrays().size();
            step(model, m, MIXED);
            step(model, m, new long[] {1, 1, 1, 1});
            try (NDManager eval = m.newSubManager()) {
                model.logits(TinyMethods.batch(eval, 4), ForwardContext.eval().withTaskIds(MIXED));
            }
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    /** Router initialisation and Gumbel noise come from streams of the seed (all routers share them). */
    @Test
    void sameSeedGivesBitIdenticalRoutedTraining() {
        List<Float> a = train("mhr", 11, false);
        assertEquals(a, train("mhr", 11, false));
        assertNotEquals(a, train("mhr", 12, false));
    }

    @Test
    void randomRoutingTrainsWithoutTaskIdsThenAverages() {
        List<Float> losses = train("mhr", 13, true);
        assertTrue(losses.get(losses.size() - 1) < losses.get(0), "losses " + losses);
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config("mhr").withRandomRouting(true), 13);
            assertFalse(model.namedParameters().keySet().stream().anyMatch(n -> n.contains("router")),
                    "random routing has no routing parameters");
            var e = assertThrows(IllegalStateException.class, () -> AdaptationVariant.ROUTE_ONLY.apply(model, 1, RandomStream.of(0)));
            assertTrue(e.getMessage().contains("-mu"), e.getMessage());
            AdaptationVariant.AVERAGE.apply(model, 1, RandomStream.of(0));
            assertTrue(AdapterInjector.adaptedLayers(model).values().stream().allMatch(l -> l.adapter() instanceof Lora));
        }
    }

    @Test
    void aSharedRouterIsCountedAndNamedOnceAndLearnsFromEveryLayer() {
        try (NDManager m = NDManager.newBaseManager()) {
            MethodConfig perLayer = TinyMethods.config("mhr");
            long layerCount = TinyMethods.model(m, perLayer, 5).parameterCount();
            long perRouter = (long) TinyMethods.TASKS * 4 * 3;
            int layers = 2 * 7 + 2 * 11;
            Map<Granularity, Integer> routers = Map.of(Granularity.LAYER, layers, Granularity.SUBLAYER, 2 * 2 + 2 * 3,
                    Granularity.BLOCK, 4, Granularity.STACK, 2, Granularity.MODEL, 1);
            for (Map.Entry<Granularity, Integer> e : routers.entrySet()) {
                T5Model model = TinyMethods.model(m, perLayer.withGranularity(e.getKey()), 5);
                long logits = model.namedParameters().keySet().stream().filter(n -> n.endsWith("module_logits")).count();
                assertEquals(e.getValue().longValue(), logits, e.getKey().toString());
                assertEquals(layerCount - (layers - e.getValue()) * perRouter, model.parameterCount(), e.getKey().toString());
            }
            T5Model shared = TinyMethods.model(m, perLayer.withGranularity(Granularity.BLOCK), 5);
            TinyMethods.randomiseUpFactors(shared, m);
            assertTrue(shared.namedParameters().containsKey("encoder.block.1.layer.0.SelfAttention.q.adapter.router.module_logits"));
            Map<String, AdaptedLinear> adapted = AdapterInjector.adaptedLayers(shared);
            RoutedAdapter owner = (RoutedAdapter) adapted.get("decoder.block.0.layer.0.SelfAttention.q").adapter();
            RoutedAdapter user = (RoutedAdapter) adapted.get("decoder.block.0.layer.2.DenseReluDense.wo").adapter();
            assertTrue(owner.ownsRouter());
            assertFalse(user.ownsRouter());
            assertTrue(owner.router() == user.router());
            // with only the last feed-forward projection adapted, the block's router still learns from it
            for (AdaptedLinear l : adapted.values()) {
                if (l != adapted.get("decoder.block.0.layer.2.DenseReluDense.wo")) {
                    l.adapter().parameter("lora_b").set(m.zeros(l.adapter().parameter("lora_b").shape()));
                }
            }
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(shared.loss(TinyMethods.batch(step, 4), ForwardContext.train().withTaskIds(MIXED)));
            }
            try (NDArray g = owner.router().parameter("module_logits").array().getGradient()) {
                assertTrue(g.abs().sum().getFloat() > 0);
            }
        }
    }

    @Test
    void headsThatDoNotDivideAProjectionAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> TinyMethods.model(m, TinyMethods.config("mhr").with("heads", 3), 1));
            assertTrue(e.getMessage().contains("heads (3)"), e.getMessage());
            var u = assertThrows(IllegalArgumentException.class, () -> Methods.parse("polly"));
            assertTrue(u.getMessage().contains("'polly'") && u.getMessage().contains("tensorpoly-2"), u.getMessage());
        }
    }

    @Test
    void parameterGroupsSeparateBaseAdaptersAndRouting() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config("poly").withGranularity(Granularity.BLOCK), 6);
            Map<ParameterRole, Map<String, Parameter>> groups = ParameterRole.split(model);
            assertEquals(4, groups.get(ParameterRole.ROUTING).size());
            assertTrue(groups.get(ParameterRole.ROUTING).keySet().stream().allMatch(n -> n.endsWith("router.module_logits")));
            assertTrue(groups.get(ParameterRole.ADAPTER).keySet().stream().allMatch(n -> n.contains(".adapter.lora_")));
            assertTrue(groups.get(ParameterRole.BASE).keySet().stream().noneMatch(n -> n.contains(".adapter.")));
            long total = groups.values().stream().flatMap(g -> g.values().stream()).mapToLong(Parameter::size).sum();
            assertEquals(model.parameterCount(), total);
            assertEquals(0.1, ParameterRole.ROUTING.defaultLearningRate());
        }
    }

    private static List<Float> train(String method, int seed, boolean random) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method).withRandomRouting(random), seed);
            TinyMethods.randomiseUpFactors(model, m);
            List<Float> losses = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                try (NDManager step = m.newSubManager()) {
                    ForwardContext pass = ForwardContext.train(RandomStream.of(seed, s));
                    ForwardContext ctx = random ? pass : pass.withTaskIds(MIXED);
                    losses.add(Sgd.step(model, step, TinyMethods.batch(step, 4), ctx, 0.2f));
                }
            }
            return losses;
        }
    }

    private static void step(T5Model model, NDManager m, long[] tasks) {
        try (NDManager step = m.newSubManager()) {
            Sgd.step(model, step, TinyMethods.batch(step, tasks.length), ForwardContext.train().withTaskIds(tasks), LR);
        }
    }

    private static Map<String, float[]> snapshot(T5Model model, Predicate<String> which) {
        Map<String, float[]> out = new HashMap<>();
        model.namedParameters().forEach((n, p) -> {
            if (which.test(n)) {
                out.put(n, TinyT5.values(p.array()));
            }
        });
        return out;
    }

    private static void assertGradients(T5Model model, NDManager m, long[] tasks, Predicate<String> trains) {
        TinyMethods.assertGradients(model, m, tasks.length, ForwardContext.train().withTaskIds(tasks), trains);
    }
}
