package org.routelab.kernel;

/** A cell whose code threw; the cause is what the user's code threw. */
final class CellFailedException extends RuntimeException {

    CellFailedException(Throwable cause) {
        super(cause.getMessage(), cause, false, false);
    }
}
