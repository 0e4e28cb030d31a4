package org.routelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;

class OptimizersTest {
    /** A module with one parameter, so optimisers can be exercised on exact values. */
    private static final class Holder extends Module {
        Holder(NDArray value) {
            addParameter("p", value);
        }

        Parameter p() {
            return parameter("p");
        }
    }

    @Test
    void adamWFollowsTheClosedFormForTwoSteps() {
        try (NDManager m = NDManager.newBaseManager(); AdamW opt = AdamW.withWeightDecay(m, 0.01f)) {
            Holder h = new Holder(m.create(new float[] {1f, -2f}));
            step(opt, h, m.create(new float[] {0.5f, 0.1f}), 0.1f);
            // bias-corrected first step: update = lr * g / |g|, after the decoupled decay p *= 1 - lr * wd
            assertArrayEquals(new float[] {0.999f - 0.1f, -1.998f - 0.1f}, h.p().array().toFloatArray(), 1e-6f);
            step(opt, h, m.create(new float[] {-0.5f, 0.2f}), 0.1f);
            // m = [-0.005, 0.029], v = [4.9975e-4, 4.999e-5]; corrections 0.19 and 0.001999
            assertArrayEquals(new float[] {0.903364f, -2.192421f}, h.p().array().toFloatArray(), 2e-5f);
        }
    }

    @Test
    void adafactorNormalisesTheFirstStepToTheGradientSign() {
        try (NDManager m = NDManager.newBaseManager(); Adafactor opt = new Adafactor(m, 0f)) {
            Holder h = new Holder(m.create(new float[] {1f, 2f, 3f, 4f}));
            step(opt, h, m.create(new float[] {0.1f, -0.2f, 0.3f, -0.4f}), 0.01f);
            assertArrayEquals(new float[] {0.99f, 2.01f, 2.99f, 4.01f}, h.p().array().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void adafactorFactoredMomentIsExactForRankOneGradients() {
        try (NDManager m = NDManager.newBaseManager(); Adafactor opt = new Adafactor(m, 0f)) {
            Holder h = new Holder(m.zeros(new Shape(2, 2)));
            // g = outer([1, 2], [1, 3]): row means [5, 20], column means [2.5, 22.5] rebuild g^2 exactly
            step(opt, h, m.create(new float[] {1f, 3f, 2f, 6f}, new Shape(2, 2)), 0.1f);
            assertArrayEquals(new float[] {-0.1f, -0.1f, -0.1f, -0.1f}, h.p().array().toFloatArray(), 1e-6f);
            assertEquals(2, opt.state().get("p/exp_avg_sq_row").size());
            assertEquals(2, opt.state().get("p/exp_avg_sq_col").size());
        }
    }

    @Test
    void adafactorClipsUpdatesToUnitRms() {
        try (NDManager m = NDManager.newBaseManager(); Adafactor opt = new Adafactor(m, 0f)) {
            Holder h = new Holder(m.zeros(new Shape(4)));
            step(opt, h, m.create(new float[] {0.01f, 0.01f, 0.01f, 0.01f}), 0.5f);
            float[] before = h.p().array().toFloatArray();
            // a 100x larger gradient: the raw update has RMS > 1 and is scaled back to exactly 1
            step(opt, h, m.create(new float[] {1f, -1f, 1f, -1f}), 0.5f);
            float[] after = h.p().array().toFloatArray();
            double sum = 0;
            for (int i = 0; i < 4; i++) {
                sum += Math.pow(after[i] - before[i], 2);
            }
            assertEquals(0.5, Math.sqrt(sum / 4), 1e-6);
        }
    }

    @Test
    void aStackOfParametersMovesAsEachParameterAlone() {
        stackMatchesSingles(m -> AdamW.withWeightDecay(m, 0.1f));
        stackMatchesSingles(m -> new Adafactor(m, 0.01f));
    }

    /** Three 3x2 parameters updated as one stack end where each ends when updated alone, state included. */
    private static void stackMatchesSingles(Function<NDManager, Optimizer> factory) {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] starts = {{1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 0, 0}, {-1, 0.5f, 2, -3, 0.1f, 7}};
            List<Holder> stacked = new ArrayList<>();
            List<Holder> alone = new ArrayList<>();
            Map<String, Parameter> group = new LinkedHashMap<>();
            for (int i = 0; i < starts.length; i++) {
                stacked.add(new Holder(m.create(starts[i], new Shape(3, 2))));
                alone.add(new Holder(m.create(starts[i], new Shape(3, 2))));
                group.put("p" + i, stacked.get(i).p());
            }
            List<ParameterStack> stacks = ParameterStack.of(List.of(new ParameterGroup("g", 0.05f, group)));
            assertEquals(1, stacks.size());
            assertEquals(List.of("p0", "p1", "p2"), stacks.get(0).names());
            try (Optimizer together = factory.apply(m); Optimizer single = factory.apply(m)) {
                for (int step = 0; step < 3; step++) {
                    NDArray[] gradients = new NDArray[starts.length];
                    for (int i = 0; i < starts.length; i++) {
                        gradients[i] = m.randomNormal(new Shape(3, 2)).mul(i + 1);
                        single.update(ParameterStack.of("p" + i, alone.get(i).p(), 0.05f), gradients[i].expandDims(0), 0.05f);
                    }
                    together.update(stacks.get(0), NDArrays.stack(new NDList(gradients)), 0.05f);
                }
                for (int i = 0; i < starts.length; i++) {
                    assertArrayEquals(alone.get(i).p().array().toFloatArray(), stacked.get(i).p().array().toFloatArray(),
                            1e-6f);
                }
                Map<String, NDArray> a = single.state();
                Map<String, NDArray> b = together.state();
                assertEquals(a.keySet(), b.keySet());
                a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 1e-6f, k));
            }
        }
    }

    @Test
    void restoredStateContinuesExactly() {
        check(m -> AdamW.withWeightDecay(m, 0.1f));
        check(m -> new Adafactor(m, 0f));
    }

    @Test
    void updatesLeaveNoArraysBehind() {
        try (NDManager m = NDManager.newBaseManager(); Adafactor opt = new Adafactor(m, 0.01f)) {
            Holder h = new Holder(m.ones(new Shape(3, 2)));
            NDArray g = m.ones(new Shape(3, 2));
            step(opt, h, g, 0.1f);
            int before = m.getManagedArrays().size();
            step(opt, h, g, 0.1f);
            step(opt, h, g, 0.1f);
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    private static void check(Function<NDManager, Optimizer> factory) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray g1 = m.create(new float[] {0.3f, -0.1f, 0.2f, 0.7f}, new Shape(2, 2));
            NDArray g2 = m.create(new float[] {-0.2f, 0.4f, 0.1f, 0.1f}, new Shape(2, 2));
            Holder a = new Holder(m.ones(new Shape(2, 2)));
            Holder b = new Holder(m.zeros(new Shape(2, 2)));
            try (Optimizer first = factory.apply(m); Optimizer resumed = factory.apply(m)) {
                step(first, a, g1, 0.05f);
                step(first, a, g2, 0.05f);
                // "checkpoint" after two steps: weights and optimiser state
                b.p().set(a.p().array().duplicate());
                resumed.loadState(first.state());
                step(first, a, g1, 0.05f);
                step(resumed, b, g1, 0.05f);
                assertArrayEquals(a.p().array().toFloatArray(), b.p().array().toFloatArray(), 0f);
            }
        }
    }

    private static void step(Optimizer opt, Holder h, NDArray gradient, float lr) {
        try (NDManager scope = gradient.getManager().newSubManager()) {
            NDArray stacked = gradient.expandDims(0);
            stacked.attach(scope);
            opt.update(ParameterStack.of("p", h.p(), lr), stacked, lr);
        }
    }
}
