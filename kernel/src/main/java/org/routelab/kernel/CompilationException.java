package org.routelab.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jdk.jshell.Diag;

/**
 * A cell that did not compile, with each error located in the cell (1-based line and column) and
 * shown under the offending line.
 */
final class CompilationException extends RuntimeException {

    private final List<String> report;

    private CompilationException(String summary, List<String> report) {
        super(summary, null, false, false);
        this.report = List.copyOf(report);
    }

    /** The errors as display lines: location and message, the source line, and a caret marker. */
    List<String> report() {
        return report;
    }

    /**
     * Locates JShell's diagnostics in the cell.
     *
     * @param cell   the whole cell
     * @param start  where {@code source} begins in the cell
     * @param source the snippet the diagnostics refer to
     */
    static CompilationException of(String cell, int start, String source, List<Diag> diags) {
        List<String> report = new ArrayList<>();
        String summary = null;
        for (Diag d : diags) {
            int from = start + clamp(d.getStartPosition(), d.getPosition(), source.length());
            int to = start + clamp(d.getEndPosition(), d.getPosition(), source.length());
            from = Math.min(from, cell.length());
            int lineStart = cell.lastIndexOf('\n', Math.max(from - 1, 0)) + 1;
            if (from == 0) {
                lineStart = 0;
            }
            int lineEnd = cell.indexOf('\n', from);
            if (lineEnd < 0) {
                lineEnd = cell.length();
            }
            int line = 1 + (int) cell.substring(0, lineStart).chars().filter(c -> c == '\n').count();
            int column = from - lineStart + 1;
            String[] message = d.getMessage(Locale.ROOT).split("\n");
            String where = "line " + line + ", column " + column;
            if (summary == null) {
                summary = where + ": " + message[0];
            }
            report.add(where + ": " + message[0]);
            for (int i = 1; i < message.length; i++) {
                if (!message[i].strip().equals("location: class")) { // JShell's hidden wrapper class
                    report.add("  " + message[i].strip());
                }
            }
            String text = cell.substring(lineStart, lineEnd);
            String gutter = String.format("%4d | ", line);
            report.add(gutter + text);
            int width = Math.max(1, Math.min(to, lineEnd) - from);
            report.add(" ".repeat(gutter.length() - 2) + "| " + " ".repeat(column - 1) + "^".repeat(width));
        }
        return new CompilationException(summary == null ? "the cell does not compile" : summary, report);
    }

    /** JShell reports -1 (Diag.NOPOS) for unknown positions; fall back to the main position. */
    private static int clamp(long position, long fallback, int length) {
        long p = position >= 0 ? position : Math.max(fallback, 0);
        return (int) Math.min(p, length);
    }
}
