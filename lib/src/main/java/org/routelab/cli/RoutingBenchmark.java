package org.routelab.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.Methods;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code routelab bench routing}: training step time (forward + backward) of every method relative to
 * plain LoRA on the same backbone and mixed-task batches. Methods take turns step by step, so a change
 * in the machine's load affects them all alike; each reports the median over its steps. Task-free
 * methods ignore the task ids; methods that read a per-example prior (T-REX's intuition) get synthetic
 * ones (the intuition's k-means needs a corpus). Beside wall time it reports the process's CPU time
 * per step (all its threads): on a machine shared with other work that is the steadier figure, though
 * an idle machine's wall time is the one that counts. With {@code --floors} it also prints each method's
 * arithmetic floor ({@link ProductBound}): what its step would take if everything but its matrix
 * products cost what the reference's does.
 */
@Command(name = "routing", mixinStandardHelpOptions = true,
        description = "Time training steps of every routed method relative to LoRA on mixed-task batches.")
final class RoutingBenchmark implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "t5-small",
            description = "Preset, builtin (the built-in backbone's shape) or config.json path (default: ${DEFAULT-VALUE}).")
    private String config;

    @Option(names = "--methods", split = ",",
            description = "Methods, the first is the reference (default: every registered method, LoRA first);"
                    + " paper settings.")
    private List<String> methods;

    @Option(names = "--tasks", defaultValue = "32", description = "Training tasks; batches mix them (default: ${DEFAULT-VALUE}).")
    private int tasks;

    @Option(names = "--heads", defaultValue = "64", description = "Heads of the methods that have them, e.g. MHR (default: ${DEFAULT-VALUE}).")
    private int heads;

    @Option(names = "--steps", defaultValue = "40", description = "Timed steps per method (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed steps per method (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--floors", description = "Also profile each method's products and print its arithmetic floor: its"
            + " products plus LoRA's time beyond LoRA's own products (after the timed steps).")
    private boolean floors;

    @Mixin
    private SyntheticBatch batch;

    @Override
    public Integer call() throws IOException {
        if (batch.size < 2) {
            throw new IllegalArgumentException("--batch must be at least 2 to mix tasks, got " + batch.size);
        }
        ConfigJson backbone = ParamsCommand.readBackbone(config);
        System.out.printf(Locale.ROOT, "# engine %s, device %s, allocator %s, %s, batch %d x (%d + %d) tokens, %d tasks mixed per batch,"
                + " %d timed steps%n", Engine.getInstance().getEngineName(), Engine.getInstance().defaultDevice(), NativeAllocator.describe(), config,
                batch.size, batch.sourceLength, batch.targetLength, tasks, steps);
        System.out.println("config,method,options,trainable,median_step_ms,p90_step_ms,ratio_to_lora,median_cpu_ms,cpu_ratio_to_lora");
        try (NDManager manager = NDManager.newBaseManager()) {
            List<MethodConfig> configs = new ArrayList<>();
            List<LanguageModel> models = new ArrayList<>();
            List<String> names = methods != null ? methods : Methods.all().stream().map(Method::name).toList();
            for (String name : names) {
                MethodConfig c = MethodConfig.defaults(name.trim()).withTasks(tasks);
                if (c.toJson().has("heads")) {
                    c = c.with("heads", heads);
                }
                LanguageModel model = LanguageModel.create(backbone, manager, DataType.FLOAT32);
                model.initialize(0);
                c.inject(model, RandomStream.of(0), DataType.FLOAT32);
                configs.add(c);
                models.add(model);
            }
            Random random = new Random(0);
            double[][] millis = new double[models.size()][steps];
            double[][] cpuMillis = new double[models.size()][steps];
            for (int s = -warmup; s < steps; s++) {
                List<long[]> inputs = batch.inputs(random, models.get(0));
                List<long[]> targets = batch.targets(random, models.get(0));
                long[] taskIds = taskIds(random);
                for (int k = 0; k < models.size(); k++) {
                    long cpu = processCpuNanos();
                    double ms = step(models.get(k), configs.get(k), manager, inputs, targets, taskIds, s);
                    if (s >= 0) {
                        millis[k][s] = ms;
                        cpuMillis[k][s] = (processCpuNanos() - cpu) / 1e6;
                    }
                }
            }
            double reference = median(millis[0]);
            double cpuReference = median(cpuMillis[0]);
            for (int k = 0; k < models.size(); k++) {
                double[] sorted = millis[k].clone();
                Arrays.sort(sorted);
                System.out.printf(Locale.ROOT, "%s,%s,%s,%d,%.1f,%.1f,%.3f,%.1f,%.3f%n", config,
                        configs.get(k).method().name(), configs.get(k).describe(), models.get(k).trainableParameterCount(),
                        median(millis[k]), sorted[(int) (sorted.length * 0.9)], median(millis[k]) / reference,
                        median(cpuMillis[k]), median(cpuMillis[k]) / cpuReference);
            }
            if (floors) {
                printFloors(configs, models, manager, random, reference);
            }
        }
        return 0;
    }

    /**
     * Prints what each method would cost if everything but its matrix products cost what LoRA's does:
     * a method whose floor is above the target cannot reach it by removing overhead.
     */
    private void printFloors(List<MethodConfig> configs, List<LanguageModel> models, NDManager manager, Random random,
            double reference) throws IOException {
        System.out.println("# arithmetic floor: the method's matrix products (profiled, each shape replayed, fastest call)"
                + " plus the reference's step beyond its own products");
        System.out.println("config,method,product_ms,floor_ms,floor_ratio_to_lora");
        // one batch for all: every method's products are profiled on the same work
        List<long[]> inputs = batch.inputs(random, models.get(0));
        List<long[]> targets = batch.targets(random, models.get(0));
        long[] taskIds = taskIds(random);
        double[] products = new double[models.size()];
        for (int k = 0; k < models.size(); k++) {
            int model = k;
            products[k] = ProductBound.profile(s -> step(models.get(model), configs.get(model), manager, inputs, targets,
                    taskIds, s), steps, 1, null).productMs(manager);
        }
        double beyondProducts = reference - products[0];
        for (int k = 0; k < models.size(); k++) {
            double floor = products[k] + beyondProducts;
            System.out.printf(Locale.ROOT, "%s,%s,%.1f,%.1f,%.3f%n", config, configs.get(k).method().name(), products[k],
                    floor, floor / reference);
        }
    }

    /** Returns a mixed batch's task ids: the first example of task 0, the others drawn from the rest. */
    private long[] taskIds(Random random) {
        long[] ids = new long[batch.size];
        for (int i = 0; i < batch.size; i++) {
            ids[i] = i == 0 ? 0 : 1 + random.nextInt(tasks - 1);
        }
        return ids;
    }

    /**
     * Returns the CPU time of all this process's threads: the kernel's per-thread nanosecond counters
     * where Linux has them (the JVM's own figure counts clock ticks of 10 ms), else the JVM's.
     */
    private static long processCpuNanos() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            long sum = 0;
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("schedstat"));
                    sum += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                } catch (IOException e) {
                    // the thread ended while we listed them: its time no longer counts, before or after
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }

    private static double step(LanguageModel model, MethodConfig config, NDManager manager, List<long[]> inputs,
            List<long[]> targets, long[] taskIds, int stepIndex) {
        long start = System.nanoTime();
        try (NDManager step = manager.newSubManager()) {
            ModelBatch b = model.batch(step, inputs, targets);
            ForwardContext ctx = ForwardContext.train().withTaskIds(taskIds);
            int priorSize = config.routing().priorSize();
            if (priorSize > 0) {
                ctx = ctx.withPriors(syntheticPriors(step, taskIds.length, priorSize, stepIndex));
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(ctx.plusAuxiliaryLosses(model.loss(b, ctx)));
            }
            for (Parameter p : model.trainableParameters().values()) {
                try (NDArray g = p.array().getGradient()) {
                    g.subi(g);
                }
            }
        }
        return (System.nanoTime() - start) / 1e6;
    }


    /**
     * Returns T-REX priors without an embedding model: affinities in [-1, 1] drawn from a generator
     * seeded by the step, so every run and every T-REX variant sees the same ones.
     */
    static NDArray syntheticPriors(NDManager step, int batch, int cells, int stepIndex) {
        Random random = new Random(stepIndex);
        float[] values = new float[batch * cells];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2f * random.nextFloat() - 1f;
        }
        return step.create(values, new Shape(batch, cells));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
