package org.routelab.train;

import java.nio.file.Path;

/** Thrown when a run stops between steps because its thread was interrupted. */
public final class TrainingInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The number of completed steps. */
    private final int completedSteps;

    /**
     * Creates the exception.
     *
     * @param completedSteps steps completed before stopping
     * @param checkpoint the checkpoint written on stopping, or null when the run has no output folder
     */
    public TrainingInterruptedException(int completedSteps, Path checkpoint) {
        super("training interrupted after " + completedSteps + " steps"
                + (checkpoint == null ? "" : "; resume from checkpoint " + checkpoint));
        this.completedSteps = completedSteps;
    }

    /** Returns the number of completed steps. */
    public int completedSteps() {
        return completedSteps;
    }
}
