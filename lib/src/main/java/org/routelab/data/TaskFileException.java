package org.routelab.data;

import java.nio.file.Path;
import org.routelab.util.UserError;

/** A task file whose content cannot be used: the message names the file and the 1-based line. */
public final class TaskFileException extends RuntimeException implements UserError {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;

    /**
     * Creates the exception.
     *
     * @param file the file at fault
     * @param line the 1-based line at fault, or 0 when the problem concerns the whole file
     * @param message what is wrong, naming the field and value
     */
    public TaskFileException(Path file, int line, String message) {
        this(file, line, message, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param file the file at fault
     * @param line the 1-based line at fault, or 0 when the problem concerns the whole file
     * @param message what is wrong, naming the field and value
     * @param cause the underlying error
     */
    public TaskFileException(Path file, int line, String message, Throwable cause) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message, cause);
        this.file = file;
        this.line = line;
    }

    /** Returns the file at fault. */
    public Path file() {
        return file;
    }

    /** Returns the 1-based line at fault, or 0 when the problem concerns the whole file. */
    public int line() {
        return line;
    }
}
