package org.routelab.backbone.checkpoint;

import org.routelab.util.UserError;

/**
 * A checkpoint file or folder that cannot be read, written or matched to a model. The message names
 * the file and, where one is involved, the tensor.
 */
public class CheckpointException extends RuntimeException implements UserError {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file and tensor
     */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause (usually an I/O error).
     *
     * @param message what is wrong, naming the file and tensor
     * @param cause the underlying failure
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
