package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Locale;

/** Feed-forward activations by their Hugging Face config names. */
public enum ActivationFunction {
    /** {@code relu} (T5 v1.0). */
    RELU,
    /** {@code gelu}: the exact erf form. */
    GELU,
    /** {@code gelu_new} / {@code gelu_pytorch_tanh}: the tanh approximation (T5 v1.1, Flan, T0). */
    GELU_NEW,
    /** {@code silu} / {@code swish} (Llama family). */
    SILU;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /**
     * Parses a Hugging Face activation name.
     *
     * @param name e.g. {@code gelu_new}
     * @return the activation
     * @throws IllegalArgumentException for an unknown name
     */
    public static ActivationFunction fromConfigName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "relu":
                return RELU;
            case "gelu":
                return GELU;
            case "gelu_new":
            case "gelu_pytorch_tanh":
            case "gelu_fast":
                return GELU_NEW;
            case "silu":
            case "swish":
                return SILU;
            default:
                throw new IllegalArgumentException("unknown activation '" + name + "'");
        }
    }

    /**
     * Applies the activation element-wise.
     *
     * @param x the input
     * @return the activated input
     */
    public NDArray apply(NDArray x) {
        switch (this) {
            case RELU:
                return ai.djl.nn.Activation.relu(x);
            case GELU:
                return ai.djl.nn.Activation.gelu(x);
            case GELU_NEW:
                return geluTanh(x);
            case SILU:
                return x.mul(ai.djl.nn.Activation.sigmoid(x));
            default:
                throw new AssertionError(this);
        }
    }

    /**
     * {@code 0.5 x (1 + tanh(u))} with {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, computed as the equal
     * {@code x sigmoid(2u)}, {@code 2u = x (2 sqrt(2/pi) + 2 sqrt(2/pi) 0.044715 x^2)}: six operations
     * instead of nine (each a pass over the feed-forward's widest activation, forward and backward), the
     * scale and shift in place on {@code x^2}, which backward does not need.
     */
    private static NDArray geluTanh(NDArray x) {
        NDManager scope = x.getManager();
        float scale = (float) (2 * SQRT_2_OVER_PI);
        NDArray slope = x.mul(x).muli(scope.create(scale * 0.044715f)).addi(scope.create(scale));
        NDArray twiceU = slope.mul(x);
        NDArray gate = ai.djl.nn.Activation.sigmoid(twiceU);
        NDArray y = x.mul(gate);
        // autograd keeps what backward needs; the Java handles can go now
        slope.close();
        twiceU.close();
        gate.close();
        return y;
    }
}
