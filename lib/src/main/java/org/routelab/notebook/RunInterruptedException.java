package org.routelab.notebook;

/**
 * Thrown between two steps of long work when the user interrupted it (the notebook's stop button,
 * or {@link Thread#interrupt()} on the working thread). The work stops at a step boundary, so
 * objects it updated (model weights, optimizer state) are consistent and can be used or resumed.
 */
public class RunInterruptedException extends RuntimeException {

    /** Creates the exception with a message saying where the work stopped. */
    public RunInterruptedException(String message) {
        super(message);
    }
}
