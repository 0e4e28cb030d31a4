package org.routelab.util;

import java.nio.file.Path;

/**
 * A config value that cannot be used. The message reads {@code run.json: multitask.steps: problem}:
 * the file, the key's dotted path and what is wrong with the value.
 */
public final class ConfigException extends IllegalArgumentException implements UserError {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * Creates the exception.
     *
     * @param file the config file, or null when the config did not come from a file
     * @param key the key's dotted path, e.g. {@code multitask.steps}, or empty for the whole config
     * @param problem what is wrong, naming the value
     * @param cause the underlying error, or null
     */
    public ConfigException(Path file, String key, String problem, Throwable cause) {
        super((file == null ? "" : file + ": ") + (key.isEmpty() ? "" : key + ": ") + problem, cause);
        this.key = key;
    }

    /** Returns the key's dotted path (empty for the whole config). */
    public String key() {
        return key;
    }
}
