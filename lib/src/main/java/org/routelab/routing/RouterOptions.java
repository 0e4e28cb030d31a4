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
        return allocations(logits, noise(logits.getManager(), logits.getShape(), logits.getDataType(), ctx), ctx);
    }

    /**
     * Draws the noise of a training pass's allocations, {@code log u - log(1 - u)} per element, from the
     * pass's random stream; none in evaluation or without sampling. Drawn apart from the logits so that
     * a {@link RouterBank} can lay its routers out in any order and keep each router's noise.
     *
     * @param scope the step scope
     * @param shape the logits' shape
     * @param type the logits' data type
     * @param ctx the pass
     * @return the noise, or null
     */
    NDArray noise(NDManager scope, Shape shape, DataType type, ForwardContext ctx) {
        if (!ctx.training() || !noisy()) {
            return null;
        }
        NDArray u = ctx.random().uniform(scope, NOISE_EPS, 1f - NOISE_EPS, shape, type);
        // log(u / (1 - u)) in three passes, in place where it can be: MHR draws q S values per router and
        // example; 1 - u from a scalar in one pass (the same float as -u + 1)
        NDArray oneMinusU = scope.create(1f).toType(type, false).sub(u);
        NDArray noise = u.divi(oneMinusU).log();
        oneMinusU.close();
        u.close();
        return noise;
    }

    /**
     * Turns logits into allocations with noise drawn by {@link #noise} for them.
     *
     * @param logits the logits
     * @param noise the noise, of the logits' shape or one they broadcast to (e.g. one draw per example
     *     of logits the batch shares), or null
     * @param ctx the pass
     * @return allocations in {@code [0, 1]}, the noise's shape (the logits' without noise)
     */
    NDArray allocations(NDArray logits, NDArray noise, ForwardContext ctx) {
        if (!ctx.training()) {
            return Activation.sigmoid(logits);
        }
        NDManager scope = logits.getManager();
        DataType type = logits.getDataType();
        NDArray l = logits;
        if (noise != null) {
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
