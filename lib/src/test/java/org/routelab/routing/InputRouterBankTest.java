package org.routelab.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.routing.InputTaskRouter.Normalisation;
import org.routelab.routing.InputTaskRouter.Pooling;

class InputRouterBankTest {
    private static final int D = 6;

    /**
     * A model's first pass computes each task router alone; later passes compute the routers that read
     * one input in one product. Both give the same weights and the same gradients of the inputs and of
     * every parameter: three routers reading one input, a fourth of another size reading it too (never
     * in their product), and a fifth reading another input.
     */
    @ParameterizedTest
    @CsvSource({"MEAN, SOFTMAX", "NONE, SOFTMAX", "MEAN, SIGMOID"})
    void routersReadingOneInputTogetherEqualAlone(Pooling pooling, Normalisation normalisation) {
        try (NDManager m = NDManager.newBaseManager()) {
            InputRouterBank bank = new InputRouterBank();
            RandomStream init = RandomStream.of(4);
            List<InputTaskRouter> routers = new ArrayList<>();
            for (int tasks : new int[] {4, 4, 4, 5, 4}) {
                InputTaskRouter r = new InputTaskRouter(bank, m, D, tasks, pooling, normalisation, init, DataType.FLOAT32);
                r.setTrainable(true);
                routers.add(r);
            }
            NDArray first = init.normal(m, 0f, 1f, new Shape(2, 3, D), DataType.FLOAT32);
            NDArray second = init.normal(m, 0f, 1f, new Shape(2, 3, D), DataType.FLOAT32);
            List<float[][]> passes = new ArrayList<>();
            for (int pass = 0; pass < 3; pass++) {
                passes.add(valuesAndGradients(routers, first, second, init));
            }
            for (int pass = 1; pass < 3; pass++) {
                assertArrayEquals(passes.get(0)[0], passes.get(pass)[0], 1e-6f, "values, pass " + pass);
                assertArrayEquals(passes.get(0)[1], passes.get(pass)[1], 1e-5f, "gradients, pass " + pass);
            }
        }
    }

    /** One pass: the routers' weights (the last reads {@code second}) and the gradients of a weighted sum. */
    private static float[][] valuesAndGradients(List<InputTaskRouter> routers, NDArray first, NDArray second,
            RandomStream lossWeights) {
        try (NDManager scope = first.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray a = first.duplicate();
            NDArray b = second.duplicate();
            a.attach(scope);
            b.attach(scope);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            ForwardContext ctx = ForwardContext.eval().newPass();
            List<float[]> values = new ArrayList<>();
            NDArray loss = null;
            for (int i = 0; i < routers.size(); i++) {
                NDArray w = routers.get(i).weights(i == routers.size() - 1 ? b : a, ctx);
                values.add(w.toFloatArray());
                // the same loss weights in every pass: a fresh stream of one seed per router
                NDArray term = w.mul(RandomStream.of(20 + i).normal(scope, 0f, 1f, w.getShape(), DataType.FLOAT32)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
            List<float[]> gradients = new ArrayList<>();
            gradients.add(a.getGradient().toFloatArray());
            gradients.add(b.getGradient().toFloatArray());
            for (InputTaskRouter r : routers) {
                for (var p : r.namedParameters().values()) {
                    try (NDArray g = p.array().getGradient()) {
                        gradients.add(g.toFloatArray());
                        g.subi(g);
                    }
                }
            }
            return new float[][] {concat(values), concat(gradients)};
        }
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
