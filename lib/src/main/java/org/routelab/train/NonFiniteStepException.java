package org.routelab.train;

import org.routelab.util.UserError;

/**
 * A training step whose loss or gradients are NaN or infinite. The trainer throws it before the step
 * changes any weight, so the weights, and any checkpoint written before, stay finite.
 */
public final class NonFiniteStepException extends IllegalStateException implements UserError {
    private static final long serialVersionUID = 1L;
    private final int step;

    /**
     * Creates the exception.
     *
     * @param step the failing step, counted from 1 as progress reports count them
     * @param what what is not finite, e.g. {@code the loss is NaN}
     */
    public NonFiniteStepException(int step, String what) {
        super("step " + step + ": " + what + "; no weight was changed by it (lower the learning rate or check"
                + " the data)");
        this.step = step;
    }

    /** Returns the failing step, counted from 1. */
    public int step() {
        return step;
    }
}
