package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.OutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CodeAssistTest {

    private static CellEvaluator evaluator;
    private static CodeAssist assist;

    @BeforeAll
    static void start() {
        evaluator = new CellEvaluator(CellEvaluatorTest.testClassPath(), new PrintStream(OutputStream.nullOutputStream()), new IoGuard());
        evaluator.eval(Startup.imports());
        assist = new CodeAssist(evaluator.analysis());
    }

    @AfterAll
    static void stop() {
        evaluator.close();
    }

    @Test
    void completesMembersInTheSnippetUnderTheCursor() {
        String cell = "int a = 1;\nMath.ab";
        CodeAssist.Completions c = assist.complete(cell, cell.length());
        assertTrue(c.options().contains("abs("), c.options().toString());
        assertEquals(cell.length() - 2, c.start());
        assertEquals(cell.length(), c.end());
    }

    @Test
    void completesNamesDeclaredEarlierInTheSameCellBeforeItRuns() {
        String cell = "import java.util.*;\nvar tbl = Table.create(\"t\");\nint unused() { return 1; }\ntbl.addC";
        CodeAssist.Completions c = assist.complete(cell, cell.length());
        assertTrue(c.options().contains("addColumns("), c.options().toString());
        assertEquals(cell.length() - 4, c.start());
        assertEquals(cell.length(), c.end());
        // nothing was evaluated: the cell's variable is still unknown to the session
        assertTrue(assist.complete("tbl.addC", 8).options().isEmpty());
    }

    @Test
    void completesPreloadedLibraryClasses() {
        CodeAssist.Completions c = assist.complete("Progress.checkInt", 17);
        assertTrue(c.options().contains("checkInterrupted()"), c.options().toString());
    }

    @Test
    void inspectsSignatures() {
        String cell = "Math.max(1, 2)";
        assertTrue(assist.inspect(cell, 6, false).contains("max(int"), assist.inspect(cell, 6, false));
    }
}
