package org.routelab.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.routelab.backbone.ComputeThreads;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code routelab bench backbone}: forward+backward step time, tokens per second and resident memory
 * of a backbone (T5 or Llama family), fully trainable and with frozen weights plus LoRA. Each step runs in its own
 * array scope; resident memory and Java heap read after the early and the last steps show whether
 * native memory grows across steps.
 */
@Command(name = "backbone", mixinStandardHelpOptions = true,
        description = "Time forward+backward steps of a backbone, with and without LoRA, and track memory.")
final class BackboneBenchmark implements Callable<Integer> {
    @Option(names = "--configs", split = ",", defaultValue = "t5-tiny,t5-small",
            description = "Presets or config.json paths (default: ${DEFAULT-VALUE}).")
    private List<String> configs;

    @Option(names = "--steps", defaultValue = "500", description = "Steps per run (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--early-step", defaultValue = "50",
            description = "Step after which memory is first read (default: ${DEFAULT-VALUE}).")
    private int earlyStep;

    @Option(names = "--rank", defaultValue = "1", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    private int rank;

    @Option(names = "--modes", split = ",", defaultValue = "full,lora",
            description = "Fully trainable (full) and frozen with LoRA (lora); run one alone for its own peak"
                    + " memory, as a later run starts from what the earlier one left (default: ${DEFAULT-VALUE}).")
    private List<String> modes;

    @Mixin
    private SyntheticBatch batch;

    @Override
    public Integer call() throws IOException {
        if (steps <= earlyStep) {
            throw new IllegalArgumentException("--steps (" + steps + ") must exceed --early-step (" + earlyStep + ")");
        }
        System.out.printf(Locale.ROOT, "# engine %s, device %s, allocator %s, batch %d x (%d + %d) tokens, %d steps%n",
                Engine.getInstance().getEngineName(), Engine.getInstance().defaultDevice(), NativeAllocator.describe(), batch.size, batch.sourceLength,
                batch.targetLength, steps);
        for (String mode : modes) {
            if (!mode.equals("full") && !mode.equals("lora")) {
                throw new IllegalArgumentException("--modes takes full and lora, not '" + mode + "'");
            }
        }
        System.out.println("config,mode,threads,params,trainable,median_step_ms,p90_step_ms,tokens_per_s,rss_mb_at_"
                + earlyStep + ",rss_mb_at_" + steps + ",peak_rss_mb,heap_mb_at_" + earlyStep + ",heap_mb_at_" + steps
                + ",native_growth_mb");
        for (String name : configs) {
            ConfigJson config = ParamsCommand.readBackbone(name);
            for (String mode : modes) {
                run(name, config, mode.equals("full") ? "full" : "lora-r" + rank);
            }
        }
        return 0;
    }

    private void run(String name, ConfigJson config, String mode) throws IOException {
        Memory.resetPeak();
        try (NDManager manager = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.create(config, manager, DataType.FLOAT32);
            int threads = ComputeThreads.current();
            model.initialize(0);
            if (mode.equals("full")) {
                model.setTrainable(true);
            } else {
                LoraConfig.ofRank(rank, model.defaultAdapterTargets()).inject(model, RandomStream.of(0), DataType.FLOAT32);
            }
            List<Parameter> trainable = List.copyOf(model.trainableParameters().values());
            Random random = new Random(0);
            List<long[]> inputs = batch.inputs(random, model);
            List<long[]> targets = batch.targets(random, model);
            double[] millis = new double[steps];
            Memory early = null;
            for (int s = 0; s < steps; s++) {
                long start = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    ModelBatch b = model.batch(step, inputs, targets);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(model.loss(b, ForwardContext.train()));
                    }
                    for (Parameter p : trainable) {
                        try (NDArray g = p.array().getGradient()) {
                            g.subi(g);
                        }
                    }
                }
                millis[s] = (System.nanoTime() - start) / 1e6;
                if (s + 1 == earlyStep) {
                    early = Memory.read();
                }
            }
            Memory end = Memory.read();
            double[] timed = Arrays.copyOfRange(millis, Math.min(5, steps - 1), steps);
            Arrays.sort(timed);
            double median = timed[timed.length / 2];
            double p90 = timed[(int) (timed.length * 0.9)];
            double tokensPerSecond = batch.tokens() / (median / 1000);
            System.out.printf(Locale.ROOT, "%s,%s,%d,%d,%d,%.1f,%.1f,%.0f,%d,%d,%d,%d,%d,%d%n", name, mode, threads,
                    model.parameterCount(), model.trainableParameterCount(), median, p90, tokensPerSecond,
                    early.residentMb, end.residentMb, end.peakMb, early.heapMb, end.heapMb,
                    (end.residentMb - end.heapMb) - (early.residentMb - early.heapMb));
        }
    }


    /**
     * Resident memory of the process, its peak and committed Java heap, after a collection: resident
     * memory minus heap is what native allocations (PyTorch tensors) and the JVM's own areas hold, so its
     * growth across steps shows native leaks apart from the heap's lazy growth.
     */
    private record Memory(long residentMb, long peakMb, long heapMb) {
        static Memory read() throws IOException {
            System.gc();
            long heap = Runtime.getRuntime().totalMemory() >> 20;
            long resident = -1;
            long peak = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    resident = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                } else if (line.startsWith("VmHWM:")) {
                    peak = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
            if (resident < 0 || peak < 0) {
                throw new IOException("no VmRSS or VmHWM line in /proc/self/status");
            }
            return new Memory(resident, peak, heap);
        }

        /** Starts the peak anew from the current resident size (Linux: {@code clear_refs} value 5). */
        static void resetPeak() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | SecurityException e) {
                // Not Linux or not allowed: the peak then covers the whole process.
            }
        }
    }
}
