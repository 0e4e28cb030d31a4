package org.routelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DoctorCommandTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new RouteLab());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void reportsTheLoadedEngineAndComputesOnTheDefaultDevice() {
        Result r = run("doctor");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("engine:          PyTorch " + Engine.getEngine("PyTorch").getVersion()), r.out());
        assertTrue(r.out().contains("natives:"), r.out());
        assertTrue(r.out().contains("offline:"), r.out());
        assertTrue(r.out().contains("GPUs:            " + Engine.getEngine("PyTorch").getGpuCount()), r.out());
        assertTrue(r.out().contains("default device:  " + Engine.getEngine("PyTorch").defaultDevice()), r.out());
        assertTrue(r.out().contains("sum([1, 2, 3]) = 6.0"), r.out());
    }

    @Test
    void requireGpuFailsOnlyWithoutAGpu() {
        Result r = run("doctor", "--require-gpu");
        if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
            assertEquals(1, r.status(), r.out());
            assertTrue(r.err().contains("no GPU is visible"), r.err());
        } else {
            assertEquals(0, r.status(), r.out() + r.err());
        }
    }

    @Test
    void isListedInTheTopLevelHelp() {
        Result r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("doctor"), r.out());
    }
}
