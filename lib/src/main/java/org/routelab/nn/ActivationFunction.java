package org.routelab.nn;

import ai.djl.ndarray.NDArray;
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
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                NDArray cube = x.mul(x).mul(x);
                NDArray inner = Scalars.mul(x.add(Scalars.mul(cube, 0.044715f)), (float) SQRT_2_OVER_PI);
                return Scalars.mul(x.mul(Scalars.add(inner.tanh(), 1f)), 0.5f);
            case SILU:
                return x.mul(ai.djl.nn.Activation.sigmoid(x));
            default:
                throw new AssertionError(this);
        }
    }
}
