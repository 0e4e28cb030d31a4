package org.routelab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ActivationFunctionTest {
    private static final float[] X = {-6f, -3f, -1.5f, -0.7f, -0.1f, 0f, 0.05f, 0.4f, 1f, 2.5f, 5f, 9f};

    /** Hugging Face's {@code gelu_new}, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, in double. */
    private static double geluNew(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** Its derivative in closed form. */
    private static double geluNewDerivative(double x) {
        double c = Math.sqrt(2 / Math.PI);
        double t = Math.tanh(c * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
    }

    @Test
    void geluNewAndItsGradientMatchTheTanhFormula() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X);
            x.setRequiresGradient(true);
            float[] y;
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray input = x.mul(step.create(1f));
                NDArray out = ActivationFunction.GELU_NEW.apply(input);
                y = out.toFloatArray();
                gc.backward(out.sum());
            }
            float[] g = x.getGradient().toFloatArray();
            for (int i = 0; i < X.length; i++) {
                assertEquals(geluNew(X[i]), y[i], 2e-6 * Math.max(1, Math.abs(X[i])), "gelu_new(" + X[i] + ")");
                assertEquals(geluNewDerivative(X[i]), g[i], 2e-6 * Math.max(1, Math.abs(X[i])), "gelu_new'(" + X[i] + ")");
            }
        }
    }

    @Test
    void configNamesMapToTheirFunctions() {
        assertEquals(ActivationFunction.GELU_NEW, ActivationFunction.fromConfigName("gelu_pytorch_tanh"));
        assertEquals(ActivationFunction.GELU, ActivationFunction.fromConfigName("GELU"));
        assertEquals(ActivationFunction.SILU, ActivationFunction.fromConfigName("swish"));
    }
}
