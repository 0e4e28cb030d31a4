package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.routelab.notebook.RunInterruptedException;

class CellEvaluatorTest {

    /** Surefire runs tests from a manifest-only jar; this property holds the real class path. */
    static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private static final ByteArrayOutputStream NOTES = new ByteArrayOutputStream();
    private static CellEvaluator evaluator;

    @BeforeAll
    static void start() {
        evaluator = new CellEvaluator(testClassPath(), new PrintStream(NOTES, true, StandardCharsets.UTF_8), new IoGuard());
        evaluator.eval(Startup.imports());
    }

    @AfterAll
    static void stop() {
        evaluator.close();
    }

    @Test
    void lastExpressionIsTheCellsValueAndStateCarriesOver() {
        CellEvaluator.Outcome declaration = evaluator.eval("int a = 20;\nint b = 22;");
        assertFalse(declaration.hasValue());
        CellEvaluator.Outcome sum = evaluator.eval("a + b");
        assertTrue(sum.hasValue());
        assertEquals(42, sum.value());
        assertEquals("hi", evaluator.eval("String greet() { return \"hi\"; }\ngreet()").value());
        assertNull(evaluator.eval("String nothing = null;\nnothing").value());
        assertFalse(evaluator.eval("a = 5").hasValue()); // assignments show nothing
    }

    @Test
    void redefinitionsReplaceEarlierDefinitions() {
        evaluator.eval("int twice(int x) { return 2 * x; }");
        evaluator.eval("int twice(int x) { return x + x + 1; }");
        assertEquals(7, evaluator.eval("twice(3)").value());
        evaluator.eval("String v = \"old\";");
        evaluator.eval("int v = 3;");
        assertEquals(3, evaluator.eval("v").value());
    }

    @Test
    void compileErrorsGiveLineColumnAndTheOffendingLine() {
        CompilationException e = assertThrows(CompilationException.class,
                () -> evaluator.eval("int ok = 1;\nint bad = missing + 1;"));
        assertEquals("line 2, column 11: cannot find symbol", e.getMessage());
        assertTrue(e.report().contains("   2 | int bad = missing + 1;"), String.join("\n", e.report()));
        assertTrue(e.report().contains("     |           ^^^^^^^"), String.join("\n", e.report()));
        assertEquals(1, evaluator.eval("ok").value()); // the statement before the error ran
    }

    @Test
    void runtimeExceptionsKeepTheirTypeAndATrimmedTrace() {
        CellFailedException e = assertThrows(CellFailedException.class,
                () -> evaluator.eval("int boom() { return 1 / 0; }\nboom()"));
        assertInstanceOf(ArithmeticException.class, e.getCause());
        ErrorReport report = ErrorReport.of(e);
        assertEquals("ArithmeticException", report.name());
        assertEquals("/ by zero", report.value());
        assertTrue(report.traceback().contains("\tat boom(cell)"), String.join("\n", report.traceback()));
        assertTrue(report.traceback().contains("\tat cell"), String.join("\n", report.traceback()));
        assertTrue(report.traceback().stream().noneMatch(l -> l.contains("reflect") || l.contains("JShell")),
                String.join("\n", report.traceback()));
    }

    @Test
    void unresolvedReferencesAreNotedAndUsingThemSaysWhatIsMissing() {
        evaluator.eval("int later() { return notYet(); }");
        assertTrue(NOTES.toString(StandardCharsets.UTF_8).contains("later is defined but cannot be used until method notYet()"),
                NOTES.toString(StandardCharsets.UTF_8));
        CellFailedException e = assertThrows(CellFailedException.class, () -> evaluator.eval("later()"));
        ErrorReport report = ErrorReport.of(e);
        assertEquals("UnresolvedReference", report.name());
        assertEquals("later cannot be used until method notYet() is declared", report.value());
        evaluator.eval("int notYet() { return 4; }");
        assertEquals(4, evaluator.eval("later()").value());
    }

    @Test
    void redefinedVariablesReleaseTheirOldValues() {
        // 30 x 200 MB is more than the test JVM's 4 GB heap: this passes only if old values are freed.
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            for (int i = 0; i < 30; i++) {
                evaluator.eval("byte[] big = new byte[200_000_000];");
                evaluator.eval("new byte[200_000_000]"); // an expression's temporary is released too
            }
        });
        evaluator.eval("big = null;");
    }

    @Test
    void interruptStopsLibraryLoopsBetweenSteps() throws Exception {
        CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
            try {
                evaluator.eval("try (ProgressPhase p = Progress.start(\"train\", 1_000_000)) {\n"
                        + "  for (int step = 1; step <= 1_000_000; step++) { Progress.checkInterrupted(); Thread.onSpinWait(); p.update(step); }\n"
                        + "}");
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        awaitRunningCell();
        evaluator.control().interrupt();
        Throwable t = failure.get(30, TimeUnit.SECONDS);
        assertInstanceOf(RunInterruptedException.class, t.getCause());
        assertEquals("Interrupted", ErrorReport.of(t).name());
        assertSaysInterruptedOnce(ErrorReport.of(t));
        assertEquals(2, evaluator.eval("1 + 1").value());
    }

    @Test
    void codeThatIgnoresInterruptsCanBeStoppedByForce() throws Exception {
        CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
            try {
                evaluator.eval("for (long spins = 0; ; spins++) { }");
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        awaitRunningCell();
        assertTrue(evaluator.control().stopByForce());
        Throwable t = failure.get(30, TimeUnit.SECONDS);
        assertInstanceOf(CellInterruptedException.class, t.getCause());
        assertSaysInterruptedOnce(ErrorReport.of(t));
        assertEquals(3, evaluator.eval("1 + 2").value());
    }

    /** What the notebook shows (the traceback, colours removed) names the interrupt once, then says why. */
    private static void assertSaysInterruptedOnce(ErrorReport report) {
        String shown = String.join("\n", report.traceback()).replaceAll("\u001b\\[[0-9;]*m", "");
        assertTrue(shown.startsWith("Interrupted") && shown.indexOf("Interrupted", 1) < 0 && shown.length() > 20, shown);
    }

    private static void awaitRunningCell() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (evaluator.control().isRunning()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no cell started running within 30 s");
    }

    @Test
    void completenessFollowsJShellsAnalysis() {
        assertEquals("COMPLETE", evaluator.completeness("int x = 1;").orElseThrow().name());
        assertEquals("DEFINITELY_INCOMPLETE", evaluator.completeness("for (int i = 0; i < 3; i++) {").orElseThrow().name());
    }
}
