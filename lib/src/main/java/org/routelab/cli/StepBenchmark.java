package org.routelab.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.routelab.backbone.ComputeThreads;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.method.MethodConfig;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.train.Adafactor;
import org.routelab.train.Optimizer;
import org.routelab.train.ParameterGroup;
import org.routelab.train.ParameterStack;
import org.routelab.train.StepGradients;
import org.routelab.train.StepUpdate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code routelab bench step}: where one training step's time goes. Times the phases of the trainer's
 * step (batch, forward with loss, backward, the optimiser update), lists the step's operations from
 * PyTorch's profiler (calls and self time per step), and sets the step against its lower bound: its
 * matrix products alone, replayed shape by shape in a tight loop on the same engine and threads.
 */
@Command(name = "step", mixinStandardHelpOptions = true,
        description = "Profile one training step: phases, operations, and the matrix products' lower bound.")
final class StepBenchmark implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "t5-small",
            description = "Preset, config.json or model folder (default: ${DEFAULT-VALUE}).")
    private String config;

    @Option(names = "--method", defaultValue = "lora", description = "Method, paper settings (default: ${DEFAULT-VALUE}).")
    private String method;

    @Option(names = "--tasks", defaultValue = "32", description = "Training tasks mixed per batch (default: ${DEFAULT-VALUE}).")
    private int tasks;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--profiled-steps", defaultValue = "3",
            description = "Steps recorded by the profiler after the timed ones (default: ${DEFAULT-VALUE}).")
    private int profiledSteps;

    @Option(names = "--top", defaultValue = "15", description = "Operations listed (default: ${DEFAULT-VALUE}).")
    private int top;

    @Option(names = "--trace", description = "Keep the profiler's Chrome trace in this file (chrome://tracing, Perfetto).")
    private Path traceFile;

    @Mixin
    private SyntheticBatch batch;

    @Override
    public Integer call() throws IOException {
        if (steps < 1 || profiledSteps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--steps and --profiled-steps must be at least 1, --warmup at least 0");
        }
        ConfigJson backbone = ParamsCommand.readBackbone(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.create(backbone, manager, DataType.FLOAT32);
            int threads = ComputeThreads.current();
            System.out.printf(Locale.ROOT, "# engine %s, device %s, allocator %s, %d intra-op thread(s), %s, %s, batch %d x (%d + %d)"
                            + " tokens, %d tasks mixed per batch%n", Engine.getInstance().getEngineName(),
                    Engine.getInstance().defaultDevice(), NativeAllocator.describe(), threads, config, method, batch.size,
                    batch.sourceLength, batch.targetLength, tasks);
            model.initialize(0);
            MethodConfig methodConfig = MethodConfig.defaults(method).withTasks(tasks);
            methodConfig.inject(model, RandomStream.of(0), DataType.FLOAT32);
            List<ParameterStack> stacks = ParameterStack.of(
                    List.of(new ParameterGroup("trained", 1e-3f, model.trainableParameters())));
            JniUtils.setGradMode(false);
            try (Optimizer optimizer = new Adafactor(manager, 0f)) {
                StepUpdate update = new StepUpdate(stacks, optimizer, 1f);
                Stepper stepper = new Stepper(model, methodConfig, update, manager);
                for (int s = 0; s < warmup; s++) {
                    stepper.step(s);
                }
                double[][] phases = new double[Phase.values().length][steps];
                for (int s = 0; s < steps; s++) {
                    double[] t = stepper.step(warmup + s);
                    for (int p = 0; p < t.length; p++) {
                        phases[p][s] = t[p];
                    }
                }
                double stepMs = printPhases(phases, model, stacks);
                ProductBound.Profile profile = ProductBound.profile(
                        stepper::step, warmup + steps, profiledSteps, traceFile);
                printOperations(profile);
                printLowerBound(profile, stepMs, manager);
            }
        }
        return 0;
    }

    private enum Phase { BATCH, FORWARD, BACKWARD, UPDATE }

    /** Runs the trainer's step on synthetic mixed-task batches, timing its phases. */
    private final class Stepper {
        private final LanguageModel model;
        private final MethodConfig methodConfig;
        private final StepUpdate update;
        private final NDManager manager;
        private final Random random = new Random(0);

        Stepper(LanguageModel model, MethodConfig methodConfig, StepUpdate update, NDManager manager) {
            this.model = model;
            this.methodConfig = methodConfig;
            this.update = update;
            this.manager = manager;
        }

        /** Returns the milliseconds of each phase. */
        double[] step(int index) {
            List<long[]> inputs = batch.inputs(random, model);
            List<long[]> targets = batch.targets(random, model);
            long[] taskIds = new long[batch.size];
            for (int i = 0; i < batch.size; i++) {
                taskIds[i] = random.nextInt(tasks);
            }
            double[] ms = new double[Phase.values().length];
            try (NDManager scope = manager.newSubManager()) {
                long t0 = System.nanoTime();
                ModelBatch b = model.batch(scope, inputs, targets);
                ForwardContext ctx = ForwardContext.train(RandomStream.of(0, index)).withTaskIds(taskIds);
                int priorSize = methodConfig.routing().priorSize();
                if (priorSize > 0) {
                    ctx = ctx.withPriors(RoutingBenchmark.syntheticPriors(scope, batch.size, priorSize, index));
                }
                long t1 = System.nanoTime();
                NDArray loss;
                long t2;
                try (StepGradients gc = new StepGradients()) {
                    loss = ctx.plusAuxiliaryLosses(model.loss(b, ctx));
                    t2 = System.nanoTime();
                    gc.backward(loss);
                }
                long t3 = System.nanoTime();
                update.apply(index, loss, 1f, scope);
                long t4 = System.nanoTime();
                ms[Phase.BATCH.ordinal()] = (t1 - t0) / 1e6;
                ms[Phase.FORWARD.ordinal()] = (t2 - t1) / 1e6;
                ms[Phase.BACKWARD.ordinal()] = (t3 - t2) / 1e6;
                ms[Phase.UPDATE.ordinal()] = (t4 - t3) / 1e6;
            }
            return ms;
        }
    }

    private double printPhases(double[][] phases, LanguageModel model, List<ParameterStack> stacks) {
        System.out.printf(Locale.ROOT, "# %d trained parameters in %d tensors, updated as %d stacks (Adafactor, papers'"
                        + " settings); medians over %d steps%n", model.trainableParameterCount(),
                stacks.stream().mapToInt(ParameterStack::size).sum(), stacks.size(), steps);
        System.out.println("phase,median_ms,share");
        double[] medians = new double[phases.length];
        double total = 0;
        for (int p = 0; p < phases.length; p++) {
            medians[p] = median(phases[p]);
            total += medians[p];
        }
        for (Phase phase : Phase.values()) {
            System.out.printf(Locale.ROOT, "%s,%.1f,%.3f%n", phase.name().toLowerCase(Locale.ROOT),
                    medians[phase.ordinal()], medians[phase.ordinal()] / total);
        }
        System.out.printf(Locale.ROOT, "step,%.1f,1.000%n", total);
        return total;
    }

    private void printOperations(ProductBound.Profile profile) {
        System.out.printf(Locale.ROOT, "# PyTorch profiler over %d steps: %.0f operator calls and %.1f ms of operator"
                        + " self time per step (the profiler slows the step a little)%n", profiledSteps,
                profile.calls(), profile.selfMs());
        System.out.println("operation,calls_per_step,self_ms_per_step,share");
        profile.byName().entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> -e.getValue()[1]))
                .limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "%s,%.0f,%.2f,%.3f%n", e.getKey(), e.getValue()[0],
                        e.getValue()[1], e.getValue()[1] / profile.selfMs()));
    }

    private void printLowerBound(ProductBound.Profile profile, double stepMs, NDManager manager) {
        System.out.println("# lower bound: the step's matrix products alone, each shape replayed in a tight loop (fastest call)");
        System.out.println("product,shapes,calls_per_step,ms_per_step");
        double bound = 0;
        for (Map.Entry<String, Double> e : profile.products().entrySet()) {
            String[] key = e.getKey().split(" ", 2);
            double perStep = profile.productMs(e.getKey(), manager);
            bound += perStep;
            System.out.printf(Locale.ROOT, "%s,\"%s\",%.0f,%.2f%n", key[0], key[1], e.getValue(), perStep);
        }
        System.out.printf(Locale.ROOT, "lower_bound_ms,%.1f%nstep_ms,%.1f%noverhead_beyond_bound_ms,%.1f%n"
                + "overhead_beyond_bound_share,%.3f%n", bound, stepMs, stepMs - bound, (stepMs - bound) / stepMs);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
