package org.routelab.util;

/**
 * A config value that cannot be used, with the path of its key (e.g. {@code method.heads}); the
 * message is {@code path: problem}, and whoever knows the file puts its name in front.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final String problem;

    /**
     * Creates the exception.
     *
     * @param path the key's dotted path, or empty for the whole object
     * @param problem what is wrong
     */
    public ConfigException(String path, String problem) {
        super(path.isEmpty() ? problem : path + ": " + problem);
        this.path = path;
        this.problem = problem;
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
