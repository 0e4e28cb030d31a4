package org.routelab.backbone;

import org.routelab.util.UserError;

/** A model configuration that cannot be used: names the file and the field at fault. */
public final class ModelConfigException extends RuntimeException implements UserError {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file and field
     */
    public ModelConfigException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, naming the file and field
     * @param cause the underlying error
     */
    public ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
