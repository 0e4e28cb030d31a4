package org.routelab.nn;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with scalars that is safe under autograd. DJL's {@code Number} overloads (e.g.
 * {@code x.mul(0.5f)}) wrap the scalar around a Java direct buffer and close it right after the
 * operation, but autograd keeps that scalar for the backward pass (a product's gradient needs its
 * other factor); once the garbage collector frees the buffer, backward reads freed memory and the
 * gradients turn to garbage or NaN. These helpers create the scalar in the operand's manager, so it
 * lives until the caller's step scope closes, after the backward pass.
 *
 * <p>The operand must be an activation owned by a step scope: for a parameter operand the scalar
 * would accumulate in the model's manager.
 */
public final class Scalars {
    private Scalars() {}

    /**
     * Returns {@code x * value}.
     *
     * @param x the operand
     * @param value the factor
     * @return the product
     */
    public static NDArray mul(NDArray x, float value) {
        return x.mul(x.getManager().create(value));
    }

    /**
     * Returns {@code x + value}.
     *
     * @param x the operand
     * @param value the addend
     * @return the sum
     */
    public static NDArray add(NDArray x, float value) {
        return x.add(x.getManager().create(value));
    }

    /**
     * Returns {@code max(x, value)} element-wise.
     *
     * @param x the operand
     * @param value the lower bound
     * @return the clamped operand
     */
    public static NDArray maximum(NDArray x, float value) {
        return x.maximum(x.getManager().create(value));
    }
}
