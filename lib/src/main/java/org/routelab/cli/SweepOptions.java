package org.routelab.cli;

import java.nio.file.Path;
import org.routelab.sweep.Sweep;
import org.routelab.sweep.SweepConfig;
import org.routelab.util.ConfigException;
import picocli.CommandLine.Option;

/** The options that the sweep and tune commands share: the config, its folder and where Spark runs (picocli mixin). */
final class SweepOptions {
    @Option(names = "--config", required = true, description = "The sweep's JSON config (see SweepConfig's Javadoc).")
    private Path config;

    @Option(names = "--output", description = "The sweep's folder; overrides the config's \"output\".")
    private Path output;

    @Option(names = "--master", description = "Spark master URL (default: local[N], N the GPUs or the cores;"
            + " spark-submit's when run under it).")
    private String master;

    @Option(names = "--parallelism", description = "Cells at once in embedded Spark (local[N]).")
    private Integer parallelism;

    /** Reads the config, with {@code --output} in place of its folder when given. */
    SweepConfig read() {
        return SweepConfig.read(config, output);
    }

    /**
     * Applies {@code --master} and {@code --parallelism} to a sweep.
     *
     * @throws ConfigException if both are given (a master URL says its own parallelism)
     */
    Sweep configure(Sweep sweep) {
        if (master != null && parallelism != null) {
            throw new ConfigException("--parallelism", "give --master local[N] or --parallelism N, not both");
        }
        Sweep s = master != null ? sweep.master(master) : sweep;
        return parallelism != null ? s.parallelism(parallelism) : s;
    }
}
