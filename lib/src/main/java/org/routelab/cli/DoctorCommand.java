package org.routelab.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code routelab doctor}: loads the PyTorch engine and reports what a run would use: engine and
 * native library versions, where the natives were loaded from, whether DJL may download, the
 * visible GPUs with their memory, and the default device, which it then exercises with a small
 * computation.
 *
 * <p>Loading the engine is also what makes DJL fetch natives it does not have yet (with {@code
 * ROUTELAB_NATIVES=cuda}, the libtorch of {@code PYTORCH_FLAVOR} into {@code ~/.djl.ai/pytorch}), so
 * the Docker image runs this command at build time and never downloads at first kernel start.
 *
 * <p>Exit status: 0 when the engine loaded and computed on its default device; 1 when it could not
 * (the report says why and lists the natives on disk), or when {@code --require-gpu} is given and
 * no GPU is visible.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Load the PyTorch engine and report its version, natives, offline mode, GPUs and default device.")
final class DoctorCommand implements Callable<Integer> {
    private static final String ENGINE = "PyTorch";
    private static final long MIB = 1024L * 1024L;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--require-gpu", description = "Exit with status 1 when no GPU is visible (checks a GPU deployment).")
    private boolean requireGpu;

    /**
     * Prints the report.
     *
     * @return the exit status: 0 when the engine works, 1 otherwise (see the class comment)
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        row(out, "PYTORCH_FLAVOR", valueOrDefault(Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR"),
                "(not set: DJL picks cpu or the CUDA version it detects)"));
        String libraryPath = Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH");
        if (libraryPath != null) {
            row(out, "PYTORCH_LIBRARY_PATH", libraryPath);
        }
        Path cache = Utils.getEngineCacheDir("pytorch");
        row(out, "natives cache", cache.toString());
        row(out, "offline", Utils.isOfflineMode()
                ? "yes (DJL downloads nothing; missing natives are an error)"
                : "no (DJL downloads missing natives)");

        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (RuntimeException | LinkageError e) {
            // Native loading reports through unchecked exceptions and UnsatisfiedLinkError.
            row(out, "engine", "FAILED to load " + ENGINE + ": " + describe(e));
            row(out, "natives on disk", listNatives(cache));
            out.flush();
            return 1;
        }
        row(out, "engine", engine.getEngineName() + " " + engine.getVersion() + " (DJL " + Engine.getDjlVersion() + ")");
        row(out, "natives", LibUtils.getLibtorchPath());
        row(out, "allocator", NativeAllocator.describe());
        row(out, "CUDA", CudaUtils.hasCuda() ? cudaVersion() : "no GPU visible to the CUDA runtime");

        int gpus = engine.getGpuCount();
        row(out, "GPUs", Integer.toString(gpus));
        for (int i = 0; i < gpus; i++) {
            row(out, "  gpu(" + i + ")", gpuDescription(i));
        }
        Device device = engine.defaultDevice();
        row(out, "default device", device.toString());
        try (NDManager manager = engine.newBaseManager(device)) {
            NDArray sum = manager.create(new float[] {1f, 2f, 3f}).sum();
            row(out, "check", "sum([1, 2, 3]) = " + sum.getFloat() + " on " + sum.getDevice());
        } catch (RuntimeException e) {
            row(out, "check", "FAILED on " + device + ": " + describe(e));
            out.flush();
            return 1;
        }
        out.flush();
        if (requireGpu && gpus == 0) {
            spec.commandLine().getErr().println("routelab doctor: --require-gpu, but no GPU is visible (is the container "
                    + "started with --gpus all, and PYTORCH_FLAVOR a CUDA flavour?)");
            return 1;
        }
        return 0;
    }

    private static String cudaVersion() {
        // CudaUtils encodes 12.8 as 12080.
        int v = CudaUtils.getCudaVersion();
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    private static String gpuDescription(int index) {
        StringBuilder s = new StringBuilder();
        try {
            s.append("compute capability ").append(CudaUtils.getComputeCapability(index));
            MemoryUsage memory = CudaUtils.getGpuMemory(Device.gpu(index));
            s.append(String.format(Locale.ROOT, ", memory %,d MiB total, %,d MiB used",
                    memory.getMax() / MIB, memory.getUsed() / MIB));
        } catch (RuntimeException e) {
            s.append(s.length() == 0 ? "" : ", ").append("details unavailable: ").append(describe(e));
        }
        return s.toString();
    }

    /** The natives folders in DJL's cache, so a failed load shows what is (not) there. */
    private static String listNatives(Path cache) {
        if (!Files.isDirectory(cache)) {
            return "none (" + cache + " does not exist)";
        }
        try (Stream<Path> entries = Files.list(cache)) {
            List<String> names = entries.filter(Files::isDirectory)
                    .map(p -> p.getFileName() + (Files.exists(p.resolve(System.mapLibraryName("torch"))) ? "" : " (incomplete)"))
                    .sorted()
                    .collect(Collectors.toList());
            return names.isEmpty() ? "none in " + cache : String.join(", ", names);
        } catch (IOException e) {
            return "cannot list " + cache + ": " + e.getMessage();
        }
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            s.append("; caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return s.toString();
    }

    private static String valueOrDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf(Locale.ROOT, "%-16s %s%n", key + ":", value);
    }
}
