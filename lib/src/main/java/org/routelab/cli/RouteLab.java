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

    /** Returns the command line with its error reporting, as {@link #main} runs it. */
    static CommandLine commandLine() {
        return new CommandLine(new RouteLab()).setExecutionExceptionHandler(RouteLab::userError);
    }

    /**
     * Reports bad input (a config, checkpoint, adapter or task file that is wrong; a value out of range)
     * as one line naming what is wrong, with exit status 2; anything else is a bug and keeps its stack trace.
     */
    private static int userError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof org.routelab.backbone.ModelConfigException
                || e instanceof org.routelab.backbone.checkpoint.CheckpointException
                || e instanceof org.routelab.data.TaskFileException || e instanceof java.io.UncheckedIOException) {
            cmd.getErr().println("routelab " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        throw e;
    }
}
