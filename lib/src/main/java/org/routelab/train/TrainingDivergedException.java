package org.routelab.train;

import org.routelab.util.UserError;

/** Training stopped because the loss stopped being finite; the message says at which step and what to try. */
public final class TrainingDivergedException extends IllegalStateException implements UserError {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the step, the loss and what to change
     */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
