package org.routelab.sweep;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.routelab.notebook.RunInterruptedException;
import org.routelab.util.ConfigBinding;

/**
 * Runs cells in JVMs of their own ({@link CellMain}), apart from the Spark executor that holds them. Spark
 * runs an executor's tasks as threads of one JVM; a separate process keeps a native crash or an
 * out-of-memory kill away from the executor and the other cells, and gives every cell the same PyTorch
 * thread count (one, unless the JVM options set {@code ai.djl.pytorch.num_threads}) however many cells run
 * at once, since a kernel's summation order may depend on its threads: this is what makes {@code local[1]}
 * and {@code local[2]} give the same bits. A cell JVM serves one cell at a time and is kept for the next
 * cell of this executor (starting a JVM and PyTorch costs seconds a cell); each cell's output goes to
 * {@code logs/KEY.log} in the store. A cell JVM that dies before answering is dropped, and the cell is run
 * again in a fresh one up to its retries, then recorded as failed with the end of its log.
 */
final class CellProcess {
    private static final int LOG_TAIL_LINES = 5;

    /** The line a cell JVM prints when a cell is done (its record is in the store). */
    static final String DONE = "@@routelab-cell-done ";

    /** Idle cell JVMs by device ("" for the config's). */
    private static final Map<String, Deque<CellJvm>> IDLE = new HashMap<>();

    private CellProcess() {}

    /**
     * Runs a cell in a cell JVM and waits for it.
     *
     * @param task the cell
     * @param device the device for it ({@code gpu:N}), or null for the config's
     * @throws RunInterruptedException if the thread is interrupted (the cell's JVM is killed)
     */
    static void run(CellTask task, String device) {
        SweepStore store = new SweepStore(Path.of(task.store()));
        Path log = store.folder().resolve("logs").resolve(task.key() + ".log");
        String ended = "";
        int attempts = 0;
        for (int attempt = 0; attempt <= task.retries(); attempt++) {
            attempts++;
            ended = runOnce(task, device, log);
            if (ended == null && store.read(task.key()).isPresent()) {
                return;
            }
        }
        store.write(new CellRecord(task.key(), task.axes(), task.seed(), task.config().toJson(), "", CellRecord.FAILED,
                attempts, "the cell's JVM " + ended + ": " + tail(log), null, Map.of(), 0, 0, List.of(), 0));
    }

    /** Runs the cell once; returns null when the cell JVM answered, else how the JVM ended. */
    private static String runOnce(CellTask task, String device, Path log) {
        CellJvm jvm = acquire(device);
        try {
            Files.createDirectories(log.getParent());
            try (Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                if (jvm.run(task, out)) {
                    release(device, jvm);
                    return null;
                }
            }
            jvm.destroy();
            return "exited with code " + jvm.exitCode();
        } catch (InterruptedException e) {
            jvm.destroy();
            Thread.currentThread().interrupt();
            throw new RunInterruptedException("Interrupted: the cell " + task.key() + " was stopped.");
        } catch (IOException e) {
            jvm.destroy();
            throw new UncheckedIOException("cannot run cell " + task.key() + " in its JVM", e);
        }
    }

    private static CellJvm acquire(String device) {
        synchronized (IDLE) {
            Deque<CellJvm> idle = IDLE.get(device == null ? "" : device);
            while (idle != null && !idle.isEmpty()) {
                CellJvm jvm = idle.pop();
                if (jvm.isAlive()) {
                    return jvm;
                }
            }
        }
        return CellJvm.start(command(device));
    }

    /**
     * Ends this JVM's idle cell JVMs (they exit at the end of their input): called when a sweep ends, so
     * that a notebook kernel does not keep them between sweeps.
     */
    static void closeIdle() {
        synchronized (IDLE) {
            IDLE.values().forEach(idle -> idle.forEach(CellJvm::close));
            IDLE.clear();
        }
    }

    private static void release(String device, CellJvm jvm) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(device == null ? "" : device, k -> new ArrayDeque<>()).push(jvm);
        }
    }

    /**
     * A cell JVM: cells go in as JSON lines on its standard input; its output lines come back through a
     * reader thread, so that waiting for them can be interrupted.
     */
    private static final class CellJvm {
        /** Put after the last line (compared by identity: no line of output can be it). */
        @SuppressWarnings("StringOperationCanBeSimplified")
        private static final String END = new String("end of output");

        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private CellJvm(Process process) {
            this.process = process;
            Thread reader = new Thread(this::pump, "cell-jvm-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static CellJvm start(List<String> command) {
            try {
                return new CellJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a cell JVM", e);
            }
        }

        private void pump() {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(cell JVM output lost: " + e.getMessage() + ")");
            }
            lines.add(END);
        }

        /** Sends a cell and copies the JVM's output to {@code log} until the cell is done; false if the JVM ended first. */
        boolean run(CellTask task, Writer log) throws IOException, InterruptedException {
            OutputStream in = process.getOutputStream();
            in.write(ConfigBinding.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(task));
            in.write('\n');
            in.flush();
            while (true) {
                String line = lines.take();
                if (line == END) {
                    lines.add(END);
                    log.flush();
                    return false;
                }
                if (line.equals(DONE + task.key())) {
                    log.flush();
                    return true;
                }
                log.write(line);
                log.write('\n');
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        void destroy() {
            process.destroyForcibly();
        }

        /** Ends the JVM's input: it exits after its current cell (an idle one at once). */
        void close() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                process.destroyForcibly();
            }
        }

        int exitCode() {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }

    /** java, this JVM's options (less agents), PyTorch's threads, the class path, and the cell's main class. */
    private static List<String> command(String device) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean threadsGiven = false;
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-agentlib") || arg.startsWith("-javaagent")) {
                continue; // a debugger or profiler of the parent cannot attach twice
            }
            threadsGiven |= arg.startsWith("-Dai.djl.pytorch.num_threads");
            command.add(arg);
        }
        if (!threadsGiven) {
            command.add("-Dai.djl.pytorch.num_threads=1");
            command.add("-Dai.djl.pytorch.num_interop_threads=1");
        }
        command.add("-cp");
        command.add(classPath());
        command.add(CellMain.class.getName());
        if (device != null) {
            command.add(device);
        }
        return command;
    }

    /**
     * The JVM's class path plus the jars a class loader added (spark-submit's {@code --jars} and the
     * application jar are not on {@code java.class.path}).
     */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader l = CellProcess.class.getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        // not a local file: a child JVM could not read it either
                    }
                }
            }
        }
        entries.remove("");
        return String.join(File.pathSeparator, entries);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
