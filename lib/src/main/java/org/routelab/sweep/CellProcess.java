package org.routelab.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.notebook.RunInterruptedException;
import org.routelab.util.ConfigBinding;

/**
 * Runs a cell in a JVM of its own ({@link CellMain}), started by the Spark task that holds the cell. Spark
 * runs an executor's tasks as threads of one JVM; a process per cell keeps a native crash or an
 * out-of-memory kill to its cell, returns the cell's native memory when it ends, and gives every cell the
 * same PyTorch thread count (one, unless the JVM options set {@code ai.djl.pytorch.num_threads}) however
 * many cells run at once, since a kernel's summation order may depend on its threads: this is what makes
 * {@code local[1]} and {@code local[2]} give the same bits. The child gets this JVM's options and class
 * path, and its output goes to {@code logs/KEY.log} in the store. A child that dies without a record is
 * started again up to the cell's retries, then recorded as failed with the end of its log.
 */
final class CellProcess {
    private static final int LOG_TAIL_LINES = 5;

    private CellProcess() {}

    /**
     * Runs a cell in a child JVM and waits for it.
     *
     * @param task the cell
     * @param device the device for it ({@code gpu:N}), or null for the config's
     * @throws RunInterruptedException if the thread is interrupted (the child is killed)
     */
    static void run(CellTask task, String device) {
        SweepStore store = new SweepStore(Path.of(task.store()));
        Path log = store.folder().resolve("logs").resolve(task.key() + ".log");
        int exit = 0;
        int attempts = 0;
        for (int attempt = 0; attempt <= task.retries(); attempt++) {
            attempts++;
            exit = runOnce(task, device, log);
            if (exit == 0 && store.read(task.key()).isPresent()) {
                return;
            }
        }
        store.write(new CellRecord(task.key(), task.axes(), task.seed(), task.config().toJson(), "", CellRecord.FAILED,
                attempts, "the cell's JVM exited with code " + exit + ": " + tail(log), null, Map.of(), 0, 0, List.of(), 0));
    }

    private static int runOnce(CellTask task, String device, Path log) {
        try {
            Files.createDirectories(log.getParent());
            List<String> command = command(device);
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try (OutputStream in = child.getOutputStream()) {
                in.write(ConfigBinding.MAPPER.writeValueAsBytes(task));
            }
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                child.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new RunInterruptedException("Interrupted: the cell " + task.key() + " was stopped.");
            }
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the JVM of cell " + task.key(), e);
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
