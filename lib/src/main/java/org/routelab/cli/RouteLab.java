package org.routelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code routelab} command line; the launcher script runs it with the library on the class path. */
@Command(
        name = "routelab",
        mixinStandardHelpOptions = true,
        description = "Routed adapters on frozen language models.",
        subcommands = {TrainCommand.class, AdaptCommand.class, EvalCommand.class, CompareCommand.class,
            SweepCommand.class, TuneCommand.class, BenchCommand.class, ParamsCommand.class, DoctorCommand.class, BackboneCommand.class})
public final class RouteLab implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new RouteLab()).execute(args));
    }
}
