package org.routelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.testing.TinyRun;

/**
 * The command line as separate processes on a tiny run: two writers on one folder, a writer killed
 * with {@code kill -9}, Ctrl-C and SIGTERM during training, and how user errors are printed.
 */
class RunFolderProcessTest {
    /** A long run of slow steps (the whole training set per batch), stopped by the tests long before its end. */
    private static final String LONG = "\"multitask\": {\"steps\": 100000, \"batch_size\": 192, \"checkpoint_every\": 100000}";

    @TempDir
    static Path dir;

    /** The processes a test started: a failed test must not leave its 100,000-step run training. */
    private static final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void tinyRun() throws IOException {
        TinyRun.write(dir);
    }

    @AfterEach
    void stopWhatIsStillRunning() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        started.clear();
    }

    /** A command line process whose output goes to files. */
    private record Cli(Process process, Path out, Path err) {
        String stderr() throws IOException {
            return Files.readString(err);
        }

        int exit() throws InterruptedException {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the command ended");
            return process.exitValue();
        }

        void signal(String name) throws IOException, InterruptedException {
            assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor());
        }
    }

    private static Cli start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-cp",
                System.getProperty("java.class.path"), RouteLab.class.getName()));
        command.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        started.add(p);
        return new Cli(p, out, err);
    }

    private static void await(Cli cli, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (!cli.process().isAlive()) {
                throw new AssertionError("the command ended (" + cli.process().exitValue() + ") before " + what
                        + ": " + cli.stderr());
            }
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(50);
        }
    }

    private static boolean contains(Cli cli, String text) {
        try {
            return cli.stderr().contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static int loggedSteps(Path run) {
        try {
            Path log = run.resolve("multitask/metrics.jsonl");
            return Files.exists(log) ? Files.readAllLines(log).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void userMistakesPrintOneLineWithStatus2AndVerboseAddsTheTrace() throws Exception {
        Path config = TinyRun.config(dir, "wrapped.json", "\"multitask\": {\"steps\": 4294967297}");
        Cli plain = start("wrapped", "train", "--config", config.getFileName().toString());
        assertEquals(2, plain.exit());
        assertEquals("routelab: wrapped.json: multitask.steps: Numeric value (4294967297) out of range of int"
                + " (-2147483648 - 2147483647)\n", plain.stderr());
        Cli verbose = start("wrapped-verbose", "train", "--config", "wrapped.json", "--verbose");
        assertEquals(2, verbose.exit());
        assertTrue(verbose.stderr().startsWith("routelab: wrapped.json: multitask.steps: "), verbose.stderr());
        assertTrue(verbose.stderr().contains("\tat org.routelab.experiment.RunConfig"), verbose.stderr());
        Cli missing = start("missing", "adapt", "--config", "nowhere.json");
        assertEquals(2, missing.exit());
        assertEquals("routelab: nowhere.json: no such file\n", missing.stderr());
    }

    @Test
    void aSecondWriterIsRefusedAndAKilledWritersLockIsTakenOver() throws Exception {
        TinyRun.config(dir, "locked.json", "\"output\": \"locked\", " + LONG);
        Cli first = start("first", "train", "--config", "locked.json");
        await(first, "the first writer trained a step", () -> loggedSteps(dir.resolve("locked")) >= 1);
        Cli second = start("second", "train", "--config", "locked.json");
        assertEquals(2, second.exit());
        assertTrue(second.stderr().startsWith("routelab: " + dir.resolve("locked") + " is in use by process "
                + first.process().pid()), second.stderr());
        assertTrue(first.process().isAlive(), "the refused writer left the first one alone");

        first.process().destroyForcibly(); // SIGKILL: the lock file keeps the dead process's id
        assertEquals(137, first.exit());
        Cli third = start("third", "train", "--config", "locked.json");
        await(third, "the third writer took the lock over", () -> contains(third, "took over"));
        third.signal("TERM");
        assertEquals(143, third.exit());
        String err = third.stderr();
        assertTrue(err.contains("routelab: took over " + dir.resolve("locked/.lock") + " from process "
                + first.process().pid() + ", which ended without releasing it"), err);
        assertTrue(err.contains("the same command resumes at step"), err);
    }

    @Test
    void ctrlCCheckpointsAtTheNextStepAndSaysWhereTheRunResumes() throws Exception {
        TinyRun.config(dir, "stopped.json", "\"output\": \"stopped\", " + LONG);
        Path run = dir.resolve("stopped");
        Cli train = start("stopped", "train", "--config", "stopped.json");
        await(train, "a step was logged", () -> loggedSteps(run) >= 1);
        train.signal("INT");
        assertEquals(130, train.exit());
        int logged = loggedSteps(run);
        String latest = Files.readString(run.resolve("multitask/checkpoints/latest")).trim();
        assertEquals(String.format("step-%07d", logged), latest, "the checkpoint holds every logged step");
        String err = train.stderr();
        assertTrue(err.contains("routelab: SIGINT: stopping after the current step to write a checkpoint"), err);
        assertTrue(err.contains("training stopped between steps after step " + logged + " of 100000; checkpoint "
                + run.resolve("multitask/checkpoints/" + latest) + " written; the same command resumes at step "
                + (logged + 1)), err);
    }

    @Test
    void aSecondCtrlCQuitsAtOnce() throws Exception {
        TinyRun.config(dir, "quit.json", "\"output\": \"quit\", " + LONG);
        Cli train = start("quit", "train", "--config", "quit.json");
        await(train, "a step was logged", () -> loggedSteps(dir.resolve("quit")) >= 1);
        train.signal("INT");
        await(train, "the first Ctrl-C was seen", () -> contains(train, "stopping after the current step"));
        // The second comes within the same step: a step of the whole training set takes about a second.
        train.signal("INT");
        assertEquals(130, train.exit());
        String err = train.stderr();
        assertTrue(err.contains("routelab: SIGINT again: quitting without a checkpoint"), err);
        assertFalse(err.contains("written"), err);
        assertEquals(1, loggedSteps(dir.resolve("quit")), "the step under way when Ctrl-C came was not finished");
    }
}
