package org.routelab.util;

import java.nio.file.Path;

/**
 * A config value that cannot be used, with the path of its key (e.g. {@code method.heads}); the
 * message is {@code path: problem}, and whoever knows the file puts its name in front ({@link #inFile}):
 * {@code run.json: multitask.steps: problem}. It is a user's mistake: the command line prints the message
 * alone.
 */
public final class ConfigException extends IllegalArgumentException implements UserError {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String path;
    private final String problem;

    /**
     * Creates the exception.
     *
     * @param path the key's dotted path, or empty for the whole object
     * @param problem what is wrong
     */
    public ConfigException(String path, String problem) {
        this(null, path, problem);
    }

    /**
     * Creates the exception for a key of a file.
     *
     * @param file the config file, or null when the config did not come from a file
     * @param path the key's dotted path, or empty for the whole file
     * @param problem what is wrong
     */
    public ConfigException(Path file, String path, String problem) {
        super((file == null ? "" : file + (path.isEmpty() && problem.isEmpty() ? "" : ": "))
                + (path.isEmpty() ? problem : path + ": " + problem));
        this.file = file;
        this.path = path;
        this.problem = problem;
    }

    /**
     * Returns the same problem with the file named in front.
     *
     * @param configFile the file the config came from
     * @return the exception, caused by this one
     */
    public ConfigException inFile(Path configFile) {
        ConfigException e = new ConfigException(configFile, path, problem);
        e.initCause(this);
        return e;
    }

    /** Returns the config file, or null when the message does not name one. */
    public Path file() {
        return file;
    }

    /** Returns the key's dotted path (empty for the whole object). */
    public String path() {
        return path;
    }

    /** Returns what is wrong, without the path. */
    public String problem() {
        return problem;
    }
}
