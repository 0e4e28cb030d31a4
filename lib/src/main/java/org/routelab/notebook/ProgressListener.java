package org.routelab.notebook;

import java.time.Duration;

/**
 * Receives the progress of long library work (training, evaluation), one phase at a time.
 *
 * <p>The library never talks to a notebook directly: it reports to the listener installed with
 * {@link Progress#install(ProgressListener)}. The Jupyter kernel installs one that draws live HTML
 * bars; without a kernel, {@link TextProgressListener} prints lines to standard error.
 *
 * <p>Calls come from the thread doing the work; implementations must be quick and must not throw.
 */
public interface ProgressListener {

    /** A phase has started; {@code update.step()} is 0. */
    void phaseStarted(ProgressUpdate update);

    /**
     * A phase advanced. Called at most once per {@link #minUpdateInterval()}, except that the step
     * reaching the phase's total is always reported.
     */
    void phaseUpdated(ProgressUpdate update);

    /** A phase has ended, normally or not; {@code update} holds the last step and metrics seen. */
    void phaseEnded(ProgressUpdate update);

    /** The shortest time between two {@link #phaseUpdated} calls; faster steps are coalesced. */
    default Duration minUpdateInterval() {
        return Duration.ofMillis(100);
    }
}
