package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Scalars;

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
    /** Keeps the uniform noise inside (0, 1) so that its logit stays finite. */
    private static final float NOISE_EPS = 1e-6f;

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

    /** Returns whether training allocations are random draws (Gumbel-sigmoid), not a function of the logits. */
    public boolean noisy() {
        return sampling == Sampling.GUMBEL_SIGMOID;
    }

    /**
     * Turns allocation logits into (unnormalised) allocations: {@code sigmoid(logits)} in evaluation,
     * the configured relaxed-Bernoulli sample in training, with independent noise per element.
     *
     * @param logits the logits, an activation of the step scope (any shape)
     * @param ctx the pass: whether it trains, and its random stream for the noise
     * @return allocations in {@code [0, 1]}, same shape
     */
    public NDArray allocations(NDArray logits, ForwardContext ctx) {
        return allocations(logits, logits.getShape(), ctx);
    }

    /**
     * Turns allocation logits into (unnormalised) allocations, drawing training noise of a larger shape
     * that the logits broadcast to (e.g. one sample per example from logits shared by the batch, without
     * copying the logits per example first).
     *
     * @param logits the logits, an activation of the step scope, broadcastable to {@code samples}
     * @param samples the shape of the noise a training pass draws
     * @param ctx the pass: whether it trains, and its random stream for the noise
     * @return allocations in {@code [0, 1]}: {@code samples}' shape in a noisy training pass, the
     *     logits' otherwise
     */
    public NDArray allocations(NDArray logits, Shape samples, ForwardContext ctx) {
        if (!ctx.training()) {
            return Activation.sigmoid(logits);
        }
        NDManager scope = logits.getManager();
        DataType type = logits.getDataType();
        NDArray l = logits;
        if (noisy()) {
            NDArray u = ctx.random().uniform(scope, NOISE_EPS, 1f - NOISE_EPS, samples, type);
            // log(u / (1 - u)) in place where it can be: MHR draws q S values per router and example
            NDArray oneMinusU = u.neg().addi(1f);
            NDArray noise = u.divi(oneMinusU).log();
            oneMinusU.close();
            u.close();
            l = l.add(noise);
            noise.close();
        }
        if (temperature != 1f) {
            l = Scalars.mul(l, 1f / temperature);
        }
        NDArray w = Activation.sigmoid(l);
        if (straightThrough) {
            NDArray hard = w.gt(scope.create(0.5f).toType(type, false)).toType(type, false);
            w = hard.sub(w.stopGradient()).add(w);
        }
        return w;
    }
}
