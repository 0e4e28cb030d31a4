package org.routelab.cli;

import java.nio.file.Path;
import org.routelab.experiment.RunConfig;
import picocli.CommandLine.Option;

/** The options every run command shares: the config file and an optional run folder. */
final class RunOptions {
    @Option(names = "--config", required = true, description = "The run's JSON config (see RunConfig's Javadoc).")
    Path config;

    @Option(names = "--output", description = "Run folder; overrides the config's \"output\".")
    Path output;

    /** Reads and validates the config before any work starts. */
    RunConfig read() {
        return RunConfig.read(config, output);
    }
}
