package org.routelab.experiment;

import org.routelab.util.UserError;

/** A run folder that cannot be used as asked: the message names the folder or file and what to do. */
public final class RunFolderException extends IllegalStateException implements UserError {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong and what to do
     * @param cause the underlying error, or null
     */
    public RunFolderException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what is wrong and what to do
     */
    public RunFolderException(String message) {
        this(message, null);
    }
}
