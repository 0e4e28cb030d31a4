package org.routelab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.routelab.notebook.RunInterruptedException;
import org.routelab.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * How a failed command ends: a user's mistake ({@link UserError}, or a value or request refused with
 * {@link IllegalArgumentException} or {@link IllegalStateException}) is printed as {@code routelab:
 * message} with exit status 2, an I/O failure as one line with status 1, a stop on a signal with the
 * signal's status; anything else is a bug and keeps its stack trace. {@code --verbose} adds the stack
 * trace to every case.
 */
final class ErrorReport implements CommandLine.IExecutionExceptionHandler {
    /** Exit status of a user's mistake (as for a bad command-line option). */
    static final int USER_ERROR = 2;
    /** Exit status of an I/O failure or a bug. */
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        boolean verbose = parsed.asCommandLineList().stream()
                .anyMatch(c -> c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose"));
        int status;
        if (e instanceof RunInterruptedException) {
            err.println("routelab: " + e.getMessage());
            status = SignalStop.exitStatus();
        } else if (e instanceof UserError || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            // Values out of range and requests that do not fit the inputs (e.g. an export's options) are refused
            // with these two; the library's own invariants fail otherwise.
            err.println("routelab: " + e.getMessage());
            status = USER_ERROR;
        } else if (e instanceof UncheckedIOException || e instanceof IOException) {
            Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
            err.println("routelab: " + e.getMessage() + (cause != e ? ": " + describe(cause) : ""));
            status = FAILURE;
        } else {
            err.println("routelab: internal error (please report it with the trace below):");
            e.printStackTrace(err);
            err.flush();
            return FAILURE;
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return status;
    }

    /** An I/O exception's message; for file-system ones, which carry just the path, with their kind. */
    private static String describe(Throwable cause) {
        String kind = cause.getClass().getSimpleName().replace("Exception", "");
        return cause instanceof java.nio.file.FileSystemException ? kind + " " + cause.getMessage()
                : cause.getMessage();
    }
}
