package org.routelab.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.routelab.data.JsonlTasks;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;

/**
 * How big a notebook's experiments are, read from the environment variable {@value #ENV}, so the same
 * notebook runs as a seconds-long check, as a few-minute walkthrough on a laptop, or at the protocol's
 * size on a GPU. A notebook reads it once at the top ({@code var scale = NotebookScale.fromEnvironment();})
 * and builds every experiment from {@link #experiment()}; sweeps pick their sizes with {@link #pick}.
 *
 * <ul>
 *   <li>{@link #SMOKE}: proves that every cell runs (the tests use it); its numbers mean nothing.
 *   <li>{@link #DEFAULT}: each curated notebook in a few minutes on two CPU cores: the {@link
 *       Experiment} defaults (100 multi-task steps of 64 examples, 10 adaptation steps), one seed and
 *       two held-out tasks of 32 scored examples; differences between methods are indicative only.
 *   <li>{@link #FULL}: the built-in benchmark's protocol (the {@link Experiment} defaults on every
 *       held-out task with seeds 0, 1024 and 42) and the notebooks' full sweeps.
 * </ul>
 */
public enum NotebookScale {
    /** Seconds per experiment: two held-out tasks, a handful of steps, one seed. */
    SMOKE(6, 16, 4, 2, 16, List.of(0)),
    /** A few minutes per notebook on two CPU cores. */
    DEFAULT(MultitaskConfig.DEFAULT_STEPS, MultitaskConfig.DEFAULT_BATCH_SIZE, AdaptationConfig.DEFAULT_STEPS, 2, 32,
            List.of(0)),
    /** The built-in benchmark's own protocol. */
    FULL(MultitaskConfig.DEFAULT_STEPS, MultitaskConfig.DEFAULT_BATCH_SIZE, AdaptationConfig.DEFAULT_STEPS, 0, 0,
            ExperimentConfig.DEFAULT.seeds());

    /** The environment variable naming the scale: {@code smoke}, {@code default} or {@code full}. */
    public static final String ENV = "ROUTELAB_NOTEBOOK_SCALE";
    /** Each scale's suite, written for {@link #config()}. */
    private static final Map<NotebookScale, Path> SUITE_FOLDERS = new ConcurrentHashMap<>();

    private final int multitaskSteps;
    private final int batchSize;
    private final int adaptSteps;
    private final int heldoutTasks;
    private final int evaluatedExamples;
    private final List<Integer> seeds;

    /**
     * @param heldoutTasks held-out tasks kept (0: all)
     * @param evaluatedExamples examples of each held-out task scored after the shots (0: all)
     */
    NotebookScale(int multitaskSteps, int batchSize, int adaptSteps, int heldoutTasks, int evaluatedExamples,
            List<Integer> seeds) {
        this.multitaskSteps = multitaskSteps;
        this.batchSize = batchSize;
        this.adaptSteps = adaptSteps;
        this.heldoutTasks = heldoutTasks;
        this.evaluatedExamples = evaluatedExamples;
        this.seeds = seeds;
    }

    /**
     * Returns the scale {@value #ENV} names, or {@link #DEFAULT} when it is unset or empty.
     *
     * @return the scale
     * @throws IllegalArgumentException if the variable holds another value
     */
    public static NotebookScale fromEnvironment() {
        return parse(System.getenv(ENV));
    }

    /**
     * Parses a scale name (case-insensitive); null or blank is {@link #DEFAULT}.
     *
     * @param name {@code smoke}, {@code default} or {@code full}
     * @return the scale
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static NotebookScale parse(String name) {
        if (name == null || name.isBlank()) {
            return DEFAULT;
        }
        for (NotebookScale s : values()) {
            if (s.name().equalsIgnoreCase(name.strip())) {
                return s;
            }
        }
        throw new IllegalArgumentException(ENV + " must be smoke, default or full, not '" + name + "'");
    }

    /**
     * Picks the value for this scale, e.g. {@code scale.pick(List.of(1, 2), List.of(1, 2, 4), List.of(1, 2, 4, 8))}.
     *
     * @param <T> the value type
     * @param smoke the value at {@link #SMOKE}
     * @param normal the value at {@link #DEFAULT}
     * @param full the value at {@link #FULL}
     * @return one of them
     */
    public <T> T pick(T smoke, T normal, T full) {
        return switch (this) {
            case SMOKE -> smoke;
            case DEFAULT -> normal;
            case FULL -> full;
        };
    }

    /** Returns the multi-task training steps of {@link #experiment()}. */
    public int multitaskSteps() {
        return multitaskSteps;
    }

    /** Returns the multi-task batch size of {@link #experiment()} (adaptation batches hold at most the shots). */
    public int batchSize() {
        return batchSize;
    }

    /** Returns the few-shot adaptation steps of {@link #experiment()}. */
    public int adaptSteps() {
        return adaptSteps;
    }

    /** Returns the few-shot seeds of {@link #experiment()}. */
    public List<Integer> seeds() {
        return seeds;
    }

    /**
     * Returns the built-in benchmark (SkillComp, seed 0) at this scale: below {@link #FULL}, fewer
     * held-out tasks and fewer of their examples scored (the shots are always there). The training
     * tasks are never cut, so multi-task training sees the same data at every scale.
     *
     * @return the suite
     */
    public TaskSuite suite() {
        return trim(SkillComp.generate(0).suite(), AdaptationConfig.DEFAULT_SHOTS);
    }

    /**
     * Cuts a suite to this scale's held-out tasks and scored examples.
     *
     * @param suite any suite
     * @param shots the shots each held-out task keeps on top of the scored examples
     * @return the suite, or a smaller one below {@link #FULL}
     */
    public TaskSuite trim(TaskSuite suite, int shots) {
        Objects.requireNonNull(suite, "suite");
        List<Task> heldout = suite.heldout();
        if (heldoutTasks > 0 && heldout.size() > heldoutTasks) {
            heldout = heldout.subList(0, heldoutTasks);
        }
        if (evaluatedExamples > 0) {
            int keep = shots + evaluatedExamples;
            heldout = heldout.stream()
                    .map(t -> t.size() <= keep ? t : new Task(t.name(), t.examples().subList(0, keep)))
                    .toList();
        }
        return new TaskSuite(suite.training(), heldout);
    }

    /**
     * Returns an experiment builder with this scale's benchmark, training lengths and seeds; set the
     * method (and anything else) on it as usual.
     *
     * @return a builder
     */
    public ExperimentBuilder experiment() {
        return Experiment.builder()
                .suite(suite())
                .multitaskSteps(multitaskSteps)
                .batchSize(batchSize)
                .adaptation(AdaptationConfig.DEFAULT_SHOTS, adaptSteps)
                .seeds(seeds.toArray(Integer[]::new));
    }

    /**
     * Returns {@link #experiment()} as a config, for sweeps: the same sizes, with this scale's suite written
     * once per JVM to a temporary folder (a sweep's cells rebuild their experiment from its config).
     *
     * @return the config
     */
    public ExperimentConfig config() {
        Path folder = SUITE_FOLDERS.computeIfAbsent(this, scale -> {
            try {
                Path f = Files.createTempDirectory("routelab-" + scale + "-suite-");
                JsonlTasks.writeSuite(f, scale.suite());
                return f;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the notebook suite", e);
            }
        });
        return ExperimentConfig.DEFAULT.with("suite", folder.toString()).with("multitask.steps", multitaskSteps)
                .with("multitask.batch_size", batchSize).with("adaptation.steps", adaptSteps).with("seeds", seeds);
    }

    /** Returns the sizes as a one-line description for a notebook's first output. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: %d multi-task steps of %d examples, %d adaptation steps, seeds %s, %s",
                this, multitaskSteps, batchSize, adaptSteps, seeds,
                heldoutTasks == 0 && evaluatedExamples == 0 ? "the whole benchmark"
                        : (heldoutTasks == 0 ? "all" : Integer.toString(heldoutTasks)) + " held-out tasks, "
                                + evaluatedExamples + " scored examples each");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
