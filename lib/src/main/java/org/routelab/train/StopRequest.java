package org.routelab.train;

/**
 * A request from outside the training thread, such as a signal handler of the command line, that
 * running trainers stop at their next step boundary (after writing a checkpoint when they have an
 * output folder). It is process-wide because a signal is: a thread interrupt would also abort the
 * file channels a step writes to.
 */
public final class StopRequest {
    private static volatile boolean requested;

    private StopRequest() {}

    /** Asks every running trainer to stop at its next step boundary. */
    public static void request() {
        requested = true;
    }

    /** Withdraws the request (for a process that goes on training after handling one). */
    public static void clear() {
        requested = false;
    }

    /** Returns whether a stop was requested. */
    public static boolean isRequested() {
        return requested;
    }
}
