package org.routelab.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.adapter.Adapter;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

class FactorBankTest {
    /**
     * Adapters too large to batch all at once (two per batch here) get the factors they get alone,
     * whichever batch they fall in, also when some of them skip a pass.
     */
    @Test
    void batchesOfAGroupGiveEachAdapterItsOwnFactors() {
        try (NDManager m = NDManager.newBaseManager()) {
            RouterBank bank = new RouterBank();
            List<Large> adapters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                TaskRouter router = new TaskRouter(bank, m, 3, 1, 2, RouterOptions.DEFAULT, RandomStream.of(i),
                        DataType.FLOAT32);
                router.parameter("module_logits").set(m.randomNormal(new Shape(3, 2)));
                adapters.add(new Large(router, m, i + 1));
            }
            NDArray x = m.randomNormal(new Shape(2, 4, 3));
            List<float[]> alone = deltas(adapters, x, List.of(0, 1, 2, 3, 4));
            for (List<Integer> asked : List.of(List.of(0, 1, 2, 3, 4), List.of(4, 1, 3), List.of(0, 1, 2, 3, 4))) {
                List<float[]> together = deltas(adapters, x, asked);
                for (int i : asked) {
                    assertArrayEquals(alone.get(i), together.get(i), 1e-6f, "adapter " + i + " of " + asked);
                }
            }
        }
    }

    /** One evaluation pass over mixed tasks: the asked adapters' deltas (null for the others). */
    private static List<float[]> deltas(List<Large> adapters, NDArray x, List<Integer> asked) {
        ForwardContext ctx = ForwardContext.eval().withTaskIds(2, 0);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            out.add(asked.contains(i) ? adapters.get(i).delta(x, ctx).toFloatArray() : null);
        }
        return out;
    }

    /** An adapter whose factors are its own vector weighed by its first expert and its weights: big enough to batch two. */
    private static final class Large extends RoutedAdapter {
        private final Parameter vector;

        Large(Router router, NDManager m, float value) {
            super(1, 2, router, true);
            vector = addParameter("vector", m.create(new float[] {value, -2 * value, 3 * value}, new Shape(3, 1)));
        }

        @Override
        public Adapter averaged() {
            throw new UnsupportedOperationException();
        }

        @Override
        protected Object factorKey() {
            return Large.class;
        }

        @Override
        protected double factorElements() {
            return 1 << 17;
        }

        @Override
        protected List<Parameter> factorParameters() {
            return List.of(vector);
        }

        /** {@code a = vector * w_0} {@code [n, B', 3, 1]}, {@code b = w} {@code [n, B', 1, 2]}. */
        @Override
        protected NDList factors(NDArray weights, NDList parameters) {
            Shape s = weights.getShape();
            NDArray w = weights.reshape(s.get(0), s.get(1), 1, 2);
            return new NDList(parameters.get(0).expandDims(1).mul(w.get(":, :, :, 0:1")), w);
        }
    }
}
