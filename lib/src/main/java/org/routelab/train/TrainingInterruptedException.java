package org.routelab.train;

import java.nio.file.Path;
import org.routelab.notebook.RunInterruptedException;

/**
 * Thrown when a run stops between steps because its thread was interrupted or a {@link StopRequest}
 * came; it names the checkpoint and the step to resume from.
 */
public final class TrainingInterruptedException extends RunInterruptedException {
    private static final long serialVersionUID = 1L;

    /** The number of completed steps. */
    private final int completedSteps;

    /**
     * Creates the exception.
     *
     * @param completedSteps steps completed before stopping
     * @param totalSteps the run's total steps
     * @param checkpoint the checkpoint written on stopping, or null when the run has no output folder
     */
    public TrainingInterruptedException(int completedSteps, int totalSteps, Path checkpoint) {
        super("Interrupted by the user: training stopped between steps after step " + completedSteps + " of "
                + totalSteps + (checkpoint == null ? "; nothing was saved"
                        : "; checkpoint " + checkpoint + " written; the same command resumes at step "
                                + (completedSteps + 1)));
        this.completedSteps = completedSteps;
    }

    /** Returns the number of completed steps. */
    public int completedSteps() {
        return completedSteps;
    }
}
