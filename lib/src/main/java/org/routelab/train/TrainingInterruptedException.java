package org.routelab.train;

import java.nio.file.Path;
import org.routelab.notebook.RunInterruptedException;

/**
 * Thrown when a run stops between steps because its thread was interrupted; it names the checkpoint
 * to resume from.
 */
public final class TrainingInterruptedException extends RunInterruptedException {
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
        super("Interrupted by the user: training stopped between steps after " + completedSteps + " steps"
                + (checkpoint == null ? "" : "; resume from checkpoint " + checkpoint));
        this.completedSteps = completedSteps;
    }

    /** Returns the number of completed steps. */
    public int completedSteps() {
        return completedSteps;
    }
}
