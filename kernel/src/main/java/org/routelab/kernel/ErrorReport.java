package org.routelab.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jshell.UnresolvedReferenceException;
import org.routelab.notebook.RunInterruptedException;

/**
 * Turns what went wrong in a cell into Jupyter's error triple (name, value, traceback lines). Stack
 * traces are cut where the kernel's machinery starts, and JShell's wrapper class names are hidden,
 * so users see their cell and the library frames that matter.
 */
record ErrorReport(String name, String value, List<String> traceback) {

    /** JShell's wrapper classes: {@code REPL.$JShell$12}, or {@code REPL.$JShell$12$Foo} for a cell's class Foo. */
    private static final Pattern WRAPPER = Pattern.compile("REPL\\.\\$JShell\\$\\d+[A-Z]?(\\$(.*))?");
    private static final String RED = "\u001b[0;31m";
    private static final String RESET = "\u001b[0m";

    /** Describes any failure of a cell. */
    static ErrorReport of(Throwable failure) {
        if (failure instanceof CompilationException c) {
            List<String> lines = new ArrayList<>();
            lines.add(RED + "Compilation error" + RESET);
            lines.addAll(c.report());
            return new ErrorReport("CompilationError", c.getMessage(), lines);
        }
        if (failure instanceof MagicException m) {
            List<String> lines = new ArrayList<>();
            lines.add(RED + "Magic failed" + RESET);
            lines.addAll(m.getMessage().lines().toList());
            return new ErrorReport("MagicError", m.getMessage(), lines);
        }
        Throwable t = failure instanceof CellFailedException ? failure.getCause() : failure;
        if (t instanceof UnresolvedReferenceException) {
            return new ErrorReport("UnresolvedReference", failure.getMessage(),
                    List.of(RED + "Unresolved reference" + RESET + ": " + failure.getMessage()));
        }
        if (t instanceof RunInterruptedException || t instanceof CellInterruptedException
                || t instanceof InterruptedException) {
            String message = t instanceof InterruptedException
                    ? "the kernel and its state are still usable." : String.valueOf(t.getMessage());
            // The library's messages already say "Interrupted by the user: ..."; say "Interrupted" once.
            String line = message.startsWith("Interrupted")
                    ? RED + "Interrupted" + RESET + message.substring("Interrupted".length())
                    : RED + "Interrupted" + RESET + ": " + message;
            return new ErrorReport("Interrupted", message, List.of(line));
        }
        List<String> lines = new ArrayList<>();
        appendTrace(t, "", lines);
        String message = t.getMessage() == null ? "" : t.getMessage();
        return new ErrorReport(t.getClass().getSimpleName(), message, lines);
    }

    /** A frame as Java prints it, except that frames of cell code say "cell" (their line numbers are JShell's). */
    private static String describe(StackTraceElement frame) {
        Matcher m = WRAPPER.matcher(frame.getClassName());
        if (!m.matches()) {
            return frame.toString();
        }
        String owner = m.group(2) == null ? "" : m.group(2) + ".";
        return frame.getMethodName().equals("do_it$") ? "cell" : owner + frame.getMethodName() + "(cell)";
    }

    private static void appendTrace(Throwable t, String prefix, List<String> lines) {
        lines.add(prefix + RED + t.getClass().getName() + RESET + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        StackTraceElement[] frames = t.getStackTrace();
        for (StackTraceElement frame : frames) {
            String cls = frame.getClassName();
            if (cls.startsWith(CellExecutionControl.class.getName()) || cls.startsWith("jdk.internal.reflect.")
                    || cls.equals("java.lang.reflect.Method")) {
                break; // below here is the kernel invoking the cell
            }
            lines.add("\tat " + describe(frame));
        }
        if (t.getCause() != null && t.getCause() != t) {
            appendTrace(t.getCause(), "Caused by: ", lines);
        }
    }
}
