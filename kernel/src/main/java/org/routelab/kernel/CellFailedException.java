package org.routelab.kernel;

/**
 * A cell whose code threw (the cause is what it threw), or that used a method or class whose own
 * dependencies are not declared yet (the cause is JShell's UnresolvedReferenceException).
 */
final class CellFailedException extends RuntimeException {

    CellFailedException(Throwable cause) {
        super(cause.getMessage(), cause, false, false);
    }

    CellFailedException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
