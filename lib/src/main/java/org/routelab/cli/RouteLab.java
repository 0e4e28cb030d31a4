package org.routelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code routelab} command line; the launcher script runs it with the library on the class path. */
@Command(
        name = "routelab",
        mixinStandardHelpOptions = true,
        description = "Routed adapters on frozen language models.",
        subcommands = {TrainCommand.class, AdaptCommand.class, EvalCommand.class, ExportCommand.class, CompareCommand.class,
            SweepCommand.class, TuneCommand.class, BenchCommand.class, ParamsCommand.class, DoctorCommand.class,
            BackboneCommand.class})
public final class RouteLab implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of every error, not only of internal ones.")
    private boolean verbose;

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
        System.exit(commandLine().execute(args));
    }

    /** Returns the command line with its error reporting ({@link ErrorReport}), as {@link #main} runs it. */
    static CommandLine commandLine() {
        return new CommandLine(new RouteLab()).setExecutionExceptionHandler(new ErrorReport());
    }
}
