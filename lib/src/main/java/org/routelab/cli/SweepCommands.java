package org.routelab.cli;

import org.routelab.sweep.Sweep;
import org.routelab.util.ConfigException;

/** The Spark options that the sweep and tune commands share. */
final class SweepCommands {
    private SweepCommands() {}

    /**
     * Applies {@code --master} and {@code --parallelism} to a sweep.
     *
     * @throws ConfigException if both are given (a master URL says its own parallelism)
     */
    static Sweep configure(Sweep sweep, String master, Integer parallelism) {
        if (master != null && parallelism != null) {
            throw new ConfigException("--parallelism", "give --master local[N] or --parallelism N, not both");
        }
        Sweep s = master != null ? sweep.master(master) : sweep;
        return parallelism != null ? s.parallelism(parallelism) : s;
    }
}
