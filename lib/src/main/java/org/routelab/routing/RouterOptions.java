package org.routelab.routing;

/**
 * How a {@link TaskRouter} turns its logits into allocations while training. At evaluation it always
 * uses {@code sigmoid(logits)}.
 *
 * @param sampling Gumbel-sigmoid samples (relaxed Bernoulli, the papers' default) or a deterministic
 *     sigmoid (an option of the reference's T0 configurations)
 * @param temperature the relaxed Bernoulli temperature (1 in the papers); must be positive
 * @param straightThrough whether the forward pass uses the hard allocation {@code y > 0.5} while
 *     gradients flow through the relaxed one
 */
public record RouterOptions(Sampling sampling, float temperature, boolean straightThrough) {
    /** The papers' setting: Gumbel-sigmoid at temperature 1, no straight-through. */
    public static final RouterOptions DEFAULT = new RouterOptions(Sampling.GUMBEL_SIGMOID, 1f, false);

    /** How training allocations are drawn. */
    public enum Sampling {
        /** {@code sigmoid((logits + log u - log(1 - u)) / temperature)}, u ~ U(0, 1). */
        GUMBEL_SIGMOID,
        /** {@code sigmoid(logits / temperature)}: no noise. */
        SIGMOID
    }

    /** Validates the values. */
    public RouterOptions {
        if (sampling == null) {
            throw new IllegalArgumentException("router sampling must be given (GUMBEL_SIGMOID or SIGMOID)");
        }
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("router temperature must be positive and finite, got " + temperature);
        }
    }
}
