package org.routelab.kernel;

/** A magic line that could not do its job (bad arguments, missing file, Maven failure). */
final class MagicException extends RuntimeException {

    MagicException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
