package org.routelab.cli;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.routelab.experiment.AdaptationConfig;
import org.routelab.experiment.Experiment;
import org.routelab.experiment.ExperimentBuilder;
import org.routelab.experiment.ExperimentResult;
import org.routelab.experiment.ResultFiles;
import org.routelab.experiment.ResultTables;
import org.routelab.method.LearningRates;
import org.routelab.method.MethodConfig;
import org.routelab.routing.AdaptationVariant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code routelab compare}: several methods on the built-in default (or a suite and backbone folder),
 * one after the other, printed as the papers' Table 1 layout with each run's wall time.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Run several methods end to end (multi-task training, few-shot adaptation on every held-out"
                + " task and seed) and print the comparison table with wall times.")
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--methods", split = ",", defaultValue = "lora,poly,mhr,tlora,tensorpoly-1,tensorpoly-2",
            description = "Runs, comma-separated: a method name, optionally with -z or -mu (adaptation variant),"
                    + " -random-mu (Random-mu) or -fresh (no multi-task training). Default: ${DEFAULT-VALUE}.")
    private List<String> runs;

    @Option(names = "--seeds", split = ",", description = "Few-shot seeds (default 0,1024,42).")
    private List<Integer> seeds;

    @Option(names = "--multitask-steps", description = "Multi-task updates (default: the built-in default's).")
    private Integer multitaskSteps;

    @Option(names = "--batch-size", description = "Multi-task batch size, and the largest adaptation batch (default: the built-in default's).")
    private Integer batchSize;

    @Option(names = "--adapt-steps", description = "Few-shot updates per held-out task and seed (default: the built-in default's).")
    private Integer adaptSteps;

    @Option(names = "--adapt-lr", description = "The experts' few-shot learning rate (default: the method's).")
    private Float adaptLearningRate;

    @Option(names = "--lr", description = "The experts' multi-task learning rate (default: the method's).")
    private Float learningRate;

    @Option(names = "--routing-lr", description = "The routing logits' learning rate, multi-task and few-shot (default: the built-in default's).")
    private Float routingLearningRate;

    @Option(names = "--output", description = "Keep each run's results.json and results.csv in OUTPUT/<run>.")
    private Path output;

    @Override
    public Integer call() {
        List<Experiment> experiments = new ArrayList<>();
        for (String run : runs) {
            experiments.add(parse(run.trim()).build());
        }
        List<ExperimentResult> results = new ArrayList<>();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        StringBuilder cpu = new StringBuilder("run,wall_s,cpu_s\n");
        for (Experiment e : experiments) {
            long cpuStart = os.getProcessCpuTime();
            ExperimentResult r = e.run();
            // CPU time of the whole process (all threads): on a busy machine it measures the work where
            // wall time measures the contention.
            double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
            if (output != null) {
                ResultFiles.write(output.resolve(r.name()), r);
            }
            results.add(r);
            cpu.append(String.format(Locale.ROOT, "%s,%.1f,%.1f%n", r.name(), r.wallSeconds(), cpuSeconds));
            System.err.printf(Locale.ROOT, "%s: mean accuracy %.4f in %.1f s (%.1f s CPU)%n", r.name(),
                    r.meanAccuracy(), r.wallSeconds(), cpuSeconds);
        }
        System.out.println(ResultTables.comparison(results).printAll());
        System.out.print(cpu);
        return 0;
    }

    /**
     * {@code poly-z}: Poly with route-only adaptation; {@code mhr-random-mu}: MHR trained with random
     * allocations, then averaged; {@code lora-fresh}: LoRA without multi-task training.
     */
    private ExperimentBuilder parse(String run) {
        ExperimentBuilder b = Experiment.builder().name(run);
        String method = run;
        if (method.endsWith("-fresh")) {
            method = method.substring(0, method.length() - "-fresh".length());
            b.multitaskSteps(0);
        } else if (multitaskSteps != null) {
            b.multitaskSteps(multitaskSteps);
        }
        for (AdaptationVariant v : List.of(AdaptationVariant.ROUTE_ONLY, AdaptationVariant.AVERAGE)) {
            if (method.endsWith("-" + v.id())) {
                method = method.substring(0, method.length() - v.id().length() - 1);
                b.variant(v);
            }
        }
        boolean random = method.endsWith("-random");
        if (random) {
            method = method.substring(0, method.length() - "-random".length());
        }
        MethodConfig config = MethodConfig.defaults(method).withRandomRouting(random);
        b.method(config);
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        int steps = adaptSteps != null ? adaptSteps : AdaptationConfig.DEFAULT_STEPS;
        b.adaptation(AdaptationConfig.DEFAULT_SHOTS, steps,
                adaptLearningRate != null ? adaptLearningRate : config.method().learningRates().adaptation());
        b.learningRates(learningRate != null ? learningRate : config.method().learningRates().multitask(),
                routingLearningRate != null ? routingLearningRate : LearningRates.ROUTING);
        if (seeds != null && !seeds.isEmpty()) {
            b.seeds(seeds.toArray(Integer[]::new));
        }
        return b;
    }
}
