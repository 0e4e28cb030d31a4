package org.routelab.kernel;

/** Reported when the user's interrupt had to stop a cell by force. */
final class CellInterruptedException extends RuntimeException {

    CellInterruptedException(String message) {
        super(message, null, false, false);
    }
}
