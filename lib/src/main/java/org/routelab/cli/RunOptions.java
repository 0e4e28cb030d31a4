package org.routelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.routelab.experiment.RunConfig;
import org.routelab.experiment.RunFolder;
import org.routelab.util.ConfigException;
import picocli.CommandLine.Option;

/** The options every run command shares: the config file and an optional run folder. */
final class RunOptions {
    @Option(names = "--config", required = true, description = "The run's JSON config (see RunConfig's Javadoc).")
    Path config;

    @Option(names = "--output", description = "Run folder; overrides the config's \"output\".")
    Path output;

    /** Reads and validates the config before any work starts. */
    RunConfig read() {
        if (!Files.isRegularFile(config)) {
            throw new ConfigException(config, "", Files.exists(config) ? "not a file" : "no such file");
        }
        return RunConfig.read(config, output);
    }

    /**
     * Opens the run folder for a command: checks it against the config, takes its lock, prints notes.
     *
     * @param run the validated config
     * @param command the command
     * @param restart whether to move what the command replaces aside and start over
     * @return the opened folder
     */
    static RunFolder open(RunConfig run, RunFolder.Command command, boolean restart) {
        return RunFolder.open(run.output(), run.settings(), command, restart,
                note -> System.err.println("routelab: " + note));
    }

    /**
     * Returns a config error found after the config was read (against the backbone) with the file named.
     *
     * @param e the error
     * @param run the config it concerns
     * @return the error naming the file
     */
    static ConfigException named(ConfigException e, RunConfig run) {
        return e.file() == null ? e.inFile(run.file()) : e;
    }
}
