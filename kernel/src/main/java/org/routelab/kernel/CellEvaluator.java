package org.routelab.kernel;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Evaluates cells with JShell in this JVM: splits a cell into snippets, evaluates them in order,
 * stops at the first compile or runtime error, and hands back the value of the cell's last
 * expression as an object. State (variables, methods, classes, imports) carries over between cells.
 */
final class CellEvaluator implements AutoCloseable {

    /** What a cell produced: the value of its last expression, when it ends with one. */
    record Outcome(boolean hasValue, Object value) {
        static final Outcome NONE = new Outcome(false, null);
    }

    private final JShell shell;
    private final CellExecutionControl control;
    private final SnippetLoader loader;
    private final PrintStream notes;

    /**
     * @param classPath the class path cells compile against (the kernel's own: library and deps)
     * @param notes     where warnings that are not errors go (e.g. a method that uses an undefined name)
     * @param guard     what interrupts of cell threads coordinate with
     */
    CellEvaluator(String classPath, PrintStream notes, IoGuard guard) {
        this.loader = new SnippetLoader(CellEvaluator.class.getClassLoader(), classPath);
        this.control = new CellExecutionControl(loader, guard);
        this.notes = notes;
        this.shell = JShell.builder()
                .executionEngine(new ExecutionControlProvider() {
                    @Override
                    public String name() {
                        return "routelab-in-process";
                    }

                    @Override
                    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                        return control;
                    }
                }, Map.of())
                .build();
        shell.addToClasspath(classPath);
    }

    /** JShell's source analysis, for completion, documentation and completeness checks. */
    SourceCodeAnalysis analysis() {
        return shell.sourceCodeAnalysis();
    }

    /** The execution engine, to interrupt running code. */
    CellExecutionControl control() {
        return control;
    }

    /** Adds jars or class folders (separated by the path separator) for cells compiled from now on. */
    void addToClasspath(String path) {
        shell.addToClasspath(path);
    }

    /**
     * Evaluates a cell.
     *
     * @throws CompilationException when a snippet does not compile (earlier snippets stay evaluated)
     * @throws CellFailedException  when a snippet throws (earlier snippets stay evaluated)
     */
    Outcome eval(String cell) {
        List<Snippet> temporaries = new ArrayList<>();
        control.startCell();
        try {
            Outcome outcome = Outcome.NONE;
            String remaining = cell;
            int offset = 0;
            while (!remaining.isBlank()) {
                CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(remaining);
                if (info.completeness() == Completeness.EMPTY) {
                    break;
                }
                boolean complete = info.completeness().isComplete();
                String source = complete ? info.source() : remaining; // incomplete: let javac say what is missing
                String rest = complete ? info.remaining() : "";
                int start = offset + startOf(remaining, source, info.completeness());
                outcome = evalSnippet(cell, source, start, temporaries);
                offset += remaining.length() - rest.length();
                remaining = rest;
            }
            return outcome;
        } finally {
            temporaries.forEach(shell::drop);
            control.clearValues();
            loader.releaseStaleValues(shell.variables().map(VarSnippet::name).collect(Collectors.toSet()));
        }
    }

    private Outcome evalSnippet(String cell, String source, int start, List<Snippet> temporaries) {
        Outcome outcome = Outcome.NONE;
        for (SnippetEvent event : shell.eval(source)) {
            if (event.causeSnippet() != null) {
                continue; // a dependent snippet updated as a side effect
            }
            Snippet snippet = event.snippet();
            if (snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
                temporaries.add(snippet);
            }
            if (event.status() == Snippet.Status.REJECTED) {
                List<Diag> diags = shell.diagnostics(snippet).filter(Diag::isError).collect(Collectors.toList());
                throw CompilationException.of(cell, start, source, diags);
            }
            JShellException exception = event.exception();
            if (exception instanceof UnresolvedReferenceException unresolved) {
                DeclarationSnippet d = unresolved.getSnippet();
                throw new CellFailedException(d.name() + " cannot be used until "
                        + shell.unresolvedDependencies(d).collect(Collectors.joining(", ")) + " is declared", unresolved);
            }
            if (exception != null) {
                Throwable original = exception instanceof EvalException ? control.takeFailure() : null;
                throw new CellFailedException(original != null ? original : exception);
            }
            if (snippet instanceof DeclarationSnippet declaration
                    && event.status() == Snippet.Status.RECOVERABLE_DEFINED) {
                notes.println("Note: " + declaration.name() + " is defined but cannot be used until "
                        + shell.unresolvedDependencies(declaration).collect(Collectors.joining(", "))
                        + " is declared.");
            }
            outcome = showsValue(snippet)
                    ? new Outcome(true, control.takeValue(event.value()))
                    : Outcome.NONE;
        }
        return outcome;
    }

    /** Expressions show their value, as in any notebook; declarations, statements and assignments do not. */
    private static boolean showsValue(Snippet snippet) {
        return switch (snippet.subKind()) {
            case TEMP_VAR_EXPRESSION_SUBKIND, VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND -> true;
            default -> false;
        };
    }

    /** Where {@code source} (as JShell completed it) begins within {@code remaining}. */
    private static int startOf(String remaining, String source, Completeness completeness) {
        String probe = source;
        if (completeness == Completeness.COMPLETE_WITH_SEMI && probe.endsWith(";")) {
            probe = probe.substring(0, probe.length() - 1);
        }
        int at = remaining.indexOf(probe);
        return Math.max(at, 0);
    }

    /** Whether a cell is ready to run, for frontends that ask before sending it. */
    Optional<Completeness> completeness(String cell) {
        String remaining = cell;
        Completeness last = null;
        while (!remaining.isBlank()) {
            CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(remaining);
            last = info.completeness();
            if (!last.isComplete()) {
                break;
            }
            remaining = info.remaining();
        }
        return Optional.ofNullable(last);
    }

    @Override
    public void close() {
        shell.close();
    }
}
