package org.routelab.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.routelab.analysis.AdapterWeights;
import org.routelab.analysis.GradientAlignment;
import org.routelab.analysis.TransferMatrix;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.EncodedExample;
import org.routelab.data.Example;
import org.routelab.data.JsonlTasks;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.eval.RankClassification;
import org.routelab.interop.AdapterExport;
import org.routelab.interop.ExportFormat;
import org.routelab.interop.PeftAdapter;
import org.routelab.method.MethodConfig;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

/**
 * One experiment of the papers, end to end: an {@link ExperimentConfig} and its two phases. The
 * backbone is read once; the {@link MultitaskPhase multi-task phase} trains the method's adapters on all
 * training tasks at once (mixed-task batches), and the {@link AdaptationPhase few-shot phase} adapts a
 * fresh copy of the outcome to every held-out task and seed with a variant (full, -z, -mu) and scores the
 * remaining examples by rank classification. Results are the median over seeds per task and their mean.
 * Setting the multi-task steps to 0 measures the same few-shot training from a fresh adapter.
 *
 * <p>Build one from a config ({@link #of(ExperimentConfig)}) or with {@link #builder()}, whose every option has the built-in
 * default (SkillComp and the built-in backbone), so {@code Experiment.builder().method("poly").build().run()}
 * works as is.
 */
public final class Experiment {
    private final ExperimentConfig config;
    private final TaskSuite suite;
    private final RoutingInputs.Encoder intuitionEncoder;
    /** The PEFT adapter of {@link ExperimentConfig#adapters}, standing in for multi-task training; or null. */
    private final PeftAdapter imported;

    private Experiment(ExperimentConfig config, TaskSuite suite, RoutingInputs.Encoder intuitionEncoder) {
        // The config's method is already the adapter's (ExperimentConfig binds it so).
        this.imported = config.adapters() == null ? null : PeftAdapter.read(Path.of(config.adapters()));
        this.config = config;
        this.suite = suite;
        this.intuitionEncoder = intuitionEncoder;
    }

    /**
     * Returns the experiment a config describes: its suite is SkillComp or read from its folder (whose
     * {@code suite.json} may give held-out tasks their own shots; the config's own win).
     *
     * @param config the config
     * @return the experiment
     * @throws ConfigException naming the suite if it cannot be read
     */
    public static Experiment of(ExperimentConfig config) {
        if (config.suite().equals(ExperimentConfig.SKILLCOMP)) {
            SkillComp data = SkillComp.generate(config.suiteSeed());
            return new Experiment(config, split(config, data.suite(), data.validation(), "SkillComp"),
                    RoutingInputs.Encoder.BACKBONE);
        }
        if (config.suite().equals(ExperimentConfig.IN_MEMORY)) {
            throw new ConfigException("suite", "an in-memory suite cannot be rebuilt from a config; give the suite"
                    + " to Experiment.builder().suite(...)");
        }
        Path folder = Path.of(config.suite());
        TaskSuite suite;
        Map<String, Integer> shots;
        try {
            suite = split(config, JsonlTasks.readSuite(folder), JsonlTasks.readValidation(folder), folder.toString());
            shots = new LinkedHashMap<>(manifestShots(folder.resolve("suite.json")));
        } catch (IOException e) {
            throw new ConfigException("suite", "cannot read " + folder + ": " + e.getMessage());
        }
        shots.putAll(config.adaptation().shotsPerTask());
        return new Experiment(config.with("adaptation.shots_per_task", shots), suite, RoutingInputs.Encoder.BACKBONE);
    }

    /** The suite whose held-out tasks are the config's split: its test tasks, or its validation tasks. */
    private static TaskSuite split(ExperimentConfig config, TaskSuite suite, List<Task> validation, String where) {
        if (config.split() == Split.TEST) {
            return suite;
        }
        if (validation.isEmpty()) {
            throw new ConfigException("split", where + " has no validation tasks");
        }
        return new TaskSuite(suite.training(), validation);
    }

    /** Returns a builder with the built-in defaults ({@link ExperimentConfig#DEFAULT}). */
    public static ExperimentBuilder builder() {
        return new ExperimentBuilder();
    }

    /** An experiment of a config with a given suite and intuition encoder (the builder's). */
    static Experiment of(ExperimentConfig config, TaskSuite suite, RoutingInputs.Encoder intuitionEncoder) {
        return new Experiment(config, suite, intuitionEncoder);
    }

    /** Returns the experiment's tasks. */
    TaskSuite suite() {
        return suite;
    }

    /** Returns the experiment's config. */
    public ExperimentConfig config() {
        return config;
    }

    /** Returns the experiment's label: its name, or the method's with the variant, e.g. {@code poly-z}. */
    public String name() {
        return name(config.adaptation().variant());
    }

    /** The method's label, e.g. {@code poly} or {@code lora-fresh}. */
    private String label() {
        if (imported != null) {
            return "peft-" + config.method().method().name();
        }
        return config.method().method().name() + (config.multitask().steps() == 0 ? "-fresh" : "");
    }

    /** Reads the backbone, with task routers as large as the imported adapter's or the suite's training tasks. */
    private Workbench open() {
        int tasks = imported != null ? Math.max(1, imported.taskNames().size()) : suite.numTrainingTasks();
        return Workbench.open(config, suite, intuitionEncoder, tasks);
    }

    /** The multi-task outcome: the imported adapter's tensors, or multi-task training (or its saved outcome). */
    private Multitask multitask(Workbench bench, Path runDir) {
        if (imported != null) {
            Map<String, NDArray> weights = imported.weights(bench.manager);
            return new Multitask(weights, List.of(), weights.values().stream().mapToLong(NDArray::size).sum(), List.of(),
                    GradientAlignment.NONE);
        }
        return MultitaskPhase.run(bench, config, progressLabel(), runDir);
    }

    /** The finished multi-task outcome of a run folder (or the imported adapter's). */
    private Multitask finished(Workbench bench, Path runDir) {
        if (imported != null) {
            return multitask(bench, null);
        }
        return config.multitask().steps() > 0 ? MultitaskPhase.read(runDir, bench.manager) : Multitask.NONE;
    }

    /**
     * The label of a result adapted with {@code v}: the given name for the experiment's own variant
     * (that name with the variant's suffix for another), else the method's label with the suffix of
     * any variant but full.
     */
    private String name(AdaptationVariant v) {
        if (config.name() != null) {
            return v == config.adaptation().variant() ? config.name() : config.name() + "-" + v.id();
        }
        return label() + (v == AdaptationVariant.FULL ? "" : "-" + v.id());
    }

    private String progressLabel() {
        return config.name() != null ? config.name() : label();
    }

    /**
     * Runs the experiment in memory, reporting progress per phase through {@link org.routelab.notebook.Progress}.
     *
     * @return the measurements
     */
    public ExperimentResult run() {
        return run(null);
    }

    /**
     * Runs both phases. With an output folder, multi-task training keeps checkpoints, a metrics log
     * and its final adapters there ({@code multitask/}), and the results go to {@code results.json}
     * and {@code results.csv}; a run that stopped resumes from its last checkpoint, and finished
     * multi-task training is not repeated.
     *
     * @param outputDir the folder, or null to keep everything in memory
     * @return the measurements
     */
    public ExperimentResult run(Path outputDir) {
        long start = System.nanoTime();
        try (RunFolder lock = outputDir == null ? null : RunFolder.lock(outputDir);
                Workbench bench = open()) {
            Multitask multitask = multitask(bench, outputDir);
            AdaptationVariant v = config.adaptation().variant();
            ExperimentResult result = AdaptationPhase.run(bench, config, suite, multitask, v, name(v), start);
            if (outputDir != null) {
                ResultFiles.write(outputDir, result);
            }
            return result;
        }
    }

    /**
     * Runs multi-task training once and adapts its outcome with each variant, in memory: the MHR
     * paper's comparison of full, -z and -mu adaptation from the same multi-task training, at the cost
     * of one training. Results are named after the method and variant ({@code mhr}, {@code mhr-z},
     * {@code mhr-mu}), or after the builder's name, which the variants other than the builder's own
     * extend with their suffix; a result's wall time is the shared multi-task training plus its own
     * adaptation.
     *
     * @param variants the variants, in the order of the results
     * @return one result per variant
     * @throws IllegalArgumentException if there is none, or the method does not support one
     */
    public List<ExperimentResult> runVariants(AdaptationVariant... variants) {
        if (variants.length == 0) {
            throw new IllegalArgumentException("need at least one adaptation variant");
        }
        for (AdaptationVariant v : variants) {
            if (!config.method().method().variants().contains(v)) {
                throw new IllegalArgumentException(config.method().method().name() + " does not support -" + v.id()
                        + "; it supports " + config.method().method().variants());
            }
        }
        long start = System.nanoTime();
        try (Workbench bench = open()) {
            Multitask multitask = multitask(bench, null);
            long shared = System.nanoTime() - start;
            List<ExperimentResult> results = new ArrayList<>();
            for (AdaptationVariant v : variants) {
                results.add(AdaptationPhase.run(bench, config, suite, multitask, v, name(v), System.nanoTime() - shared));
            }
            return results;
        }
    }

    /**
     * Runs multi-task training only, keeping checkpoints, the metrics log and the final adapters in
     * {@code outputDir/multitask}, holding the folder's lock meanwhile.
     *
     * @param outputDir the run folder
     * @return the loss of every training step, including those run before a resume (empty without
     *     multi-task training)
     * @throws RunFolderException if another process holds the folder
     */
    public List<Float> train(Path outputDir) {
        try (RunFolder folder = RunFolder.lock(Objects.requireNonNull(outputDir, "outputDir"))) {
            return train(folder);
        }
    }

    /**
     * Runs multi-task training only (the command line's {@code train}) in an opened run folder.
     *
     * @param folder the run folder, opened for {@link RunFolder.Command#TRAIN}
     * @return the loss of every training step, including those run before a resume (empty without
     *     multi-task training)
     */
    public List<Float> train(RunFolder folder) {
        try (Workbench bench = open()) {
            return multitask(bench, folder.path()).losses();
        }
    }

    /**
     * Runs few-shot adaptation and evaluation only, starting from the adapters that {@link #train}
     * left in {@code outputDir/multitask}; writes the results there, holding the folder's lock meanwhile.
     *
     * @param outputDir the run folder
     * @return the measurements
     * @throws RunFolderException if multi-task training is configured but has not finished there, or
     *     another process holds the folder
     */
    public ExperimentResult adapt(Path outputDir) {
        try (RunFolder folder = RunFolder.lock(outputDir)) {
            return adapt(folder);
        }
    }

    /**
     * Runs few-shot adaptation and evaluation only (the command line's {@code adapt}) in an opened
     * run folder; see {@link #adapt(Path)}.
     *
     * @param folder the run folder, opened for {@link RunFolder.Command#ADAPT}
     * @return the measurements
     * @throws RunFolderException if multi-task training is configured but has not finished there
     */
    public ExperimentResult adapt(RunFolder folder) {
        Path outputDir = folder.path();
        long start = System.nanoTime();
        try (Workbench bench = open()) {
            Multitask multitask = finished(bench, outputDir);
            AdaptationVariant v = config.adaptation().variant();
            ExperimentResult result = AdaptationPhase.run(bench, config, suite, multitask, v, name(v), start);
            ResultFiles.write(outputDir, result);
            return result;
        }
    }

    /**
     * Scores the multi-task-trained model on its own training tasks (the command line's {@code
     * eval}): rank-classification accuracy per training task on up to {@code examples} of its
     * examples, routed as the method routes (its task id, or its input). It shows how well multi-task
     * training fit before any transfer.
     *
     * @param outputDir the run folder holding finished multi-task training, or null to train in memory
     * @param examples examples scored per task (positive)
     * @return accuracy per training task, in suite order
     */
    public Map<String, Double> evaluateTraining(Path outputDir, int examples) {
        if (examples <= 0) {
            throw new IllegalArgumentException("examples must be positive, got " + examples);
        }
        if (imported != null && !imported.taskNames().isEmpty() && imported.taskNames().size() != suite.numTrainingTasks()) {
            throw new IllegalArgumentException("the imported adapter routes " + imported.taskNames().size()
                    + " tasks, the suite has " + suite.numTrainingTasks() + " training tasks");
        }
        try (Workbench bench = open()) {
            Multitask multitask = outputDir == null || imported != null ? multitask(bench, null)
                    : MultitaskPhase.read(outputDir, bench.manager);
            Map<String, Double> out = new LinkedHashMap<>();
            try (var scope = bench.manager.newSubManager()) {
                multitask.loadInto(bench.freshAdapters(scope, RandomStream.of(MultitaskPhase.SEED)));
                List<Task> tasks = suite.training();
                for (int id = 0; id < tasks.size(); id++) {
                    Task task = tasks.get(id);
                    List<Example> some = task.examples().subList(0, Math.min(examples, task.examples().size()));
                    out.put(task.name(), bench.accuracy(bench.encoder.encode(some, id), scope));
                }
            } finally {
                bench.removeAdapters();
            }
            return out;
        }
    }

    /**
     * Transfer between training tasks: the multi-task weights of {@code trained} (a result of this
     * experiment's method), scored on every training task's first {@code examples} examples while
     * routed as every training task. Row {@code i}, column {@code j} is the accuracy on task {@code j}
     * routed as task {@code i}; the diagonal is {@link #evaluateTraining}'s figure.
     *
     * @param trained a result holding multi-task weights ({@link ExperimentResult#multitaskWeights})
     * @param examples examples scored per task (positive)
     * @return the accuracies, training tasks in suite order
     * @throws IllegalArgumentException if the method does not route by task or the result has no weights
     */
    public TransferMatrix transfer(ExperimentResult trained, int examples) {
        MethodConfig method = config.method();
        if (!method.routing().taskIds() || method.randomRouting()) {
            throw new IllegalArgumentException(method.method().name() + (method.randomRouting()
                    ? " with random routing" : "") + " does not route by task: there is no task routing to transfer");
        }
        if (trained.multitaskWeights().isEmpty()) {
            throw new IllegalArgumentException("the result " + trained.name() + " holds no multi-task weights");
        }
        if (examples <= 0) {
            throw new IllegalArgumentException("examples must be positive, got " + examples);
        }
        try (Workbench bench = Workbench.open(config, suite, intuitionEncoder);
                var scope = bench.manager.newSubManager()) {
            try {
                trained.multitaskWeights().loadInto(bench.freshAdapters(scope, RandomStream.of(MultitaskPhase.SEED)));
                List<Task> tasks = suite.training();
                List<List<Example>> scored = tasks.stream()
                        .map(t -> t.examples().subList(0, Math.min(examples, t.examples().size()))).toList();
                // Every (routing task, scored task) block in one list: batches mix routings, one pass scores all.
                List<EncodedExample> all = new ArrayList<>();
                for (int routed = 0; routed < tasks.size(); routed++) {
                    for (List<Example> some : scored) {
                        all.addAll(bench.encoder.encode(some, routed));
                    }
                }
                int[] predictions = bench.predict(all, scope);
                double[][] accuracy = new double[tasks.size()][tasks.size()];
                int at = 0;
                for (int routed = 0; routed < tasks.size(); routed++) {
                    for (int task = 0; task < tasks.size(); task++) {
                        int n = scored.get(task).size();
                        accuracy[routed][task] = RankClassification.accuracy(all.subList(at, at + n),
                                Arrays.copyOfRange(predictions, at, at + n));
                        at += n;
                    }
                }
                return new TransferMatrix(tasks.stream().map(Task::name).toList(), accuracy);
            } finally {
                bench.removeAdapters();
            }
        }
    }

    /**
     * Exports the multi-task adapters of a result of this experiment (e.g. in a notebook): PEFT's LORA
     * or POLY layout, a merged Hugging Face model, or RouteLab's own layout (see {@link AdapterExport}).
     *
     * @param result a result of this experiment, holding its multi-task weights
     * @param format the format
     * @param mixture for Poly and MHR: a training task's name, or {@code mu} for the -mu average, to
     *     export as a plain LoRA (needed for merging); null for the routed adapters
     * @param out the folder to write
     * @return what was written
     * @throws IllegalArgumentException if the result has no multi-task weights or they cannot be written so
     */
    public AdapterExport.Outcome export(ExperimentResult result, ExportFormat format, String mixture, Path out) {
        AdapterWeights w = result.multitaskWeights();
        if (w.isEmpty()) {
            throw new IllegalArgumentException("result " + result.name() + " holds no multi-task adapters to export");
        }
        try (Workbench bench = open()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String n : w.names()) {
                arrays.put(n, bench.manager.create(w.values(n), new Shape(w.shape(n))));
            }
            return export(bench, new Multitask(arrays, List.of(), 0, List.of(), GradientAlignment.NONE), format, mixture,
                    out);
        }
    }

    /**
     * Exports the multi-task adapters a run folder holds ({@code multitask/}), as {@link
     * #export(ExperimentResult, ExportFormat, String, Path)} does.
     *
     * @param runDir the run folder of this experiment
     * @param format the format
     * @param mixture a training task's name, {@code mu}, or null (see the other overload)
     * @param out the folder to write
     * @return what was written
     * @throws IllegalStateException if the folder holds no finished multi-task training
     */
    public AdapterExport.Outcome export(Path runDir, ExportFormat format, String mixture, Path out) {
        try (Workbench bench = open()) {
            Multitask trained = imported != null ? multitask(bench, null) : MultitaskPhase.read(runDir, bench.manager);
            return export(bench, trained, format, mixture, out);
        }
    }

    /**
     * Exports the adapter one held-out task ends with after few-shot adaptation with one seed, as a run
     * computes it (adaptation is deterministic in the seed, so it is redone here): Poly and MHR as the
     * task's mixture, a plain LoRA; -mu and LoRA as the LoRA they are; other methods in RouteLab's layout.
     *
     * @param runDir the run folder holding finished multi-task training, or null to train in memory
     * @param heldoutTask the held-out task's name
     * @param seed the few-shot seed
     * @param format the format
     * @param out the folder to write
     * @return what was written
     * @throws IllegalArgumentException if there is no such held-out task
     */
    public AdapterExport.Outcome exportAdapted(Path runDir, String heldoutTask, int seed, ExportFormat format, Path out) {
        Task task = suite.heldout().stream().filter(t -> t.name().equals(heldoutTask)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no held-out task '" + heldoutTask + "'; held-out tasks: "
                        + suite.heldout().stream().map(Task::name).toList()));
        AdaptationVariant v = config.adaptation().variant();
        try (Workbench bench = open()) {
            Multitask trained = runDir == null ? multitask(bench, null) : finished(bench, runDir);
            try (NDManager scope = bench.manager.newSubManager()) {
                AdaptationPhase.Adapted a = AdaptationPhase.adaptOne(bench, config, trained, v, task, seed, name(v), scope);
                boolean skilled = config.method().routing().taskIds() && v != AdaptationVariant.AVERAGE;
                return AdapterExport.write(a.model(), bench.method.describe(), config.method().method().name(),
                        backboneFolder(), List.of(task.name()), format, skilled ? task.name() : null, out);
            }
        }
    }

    /** Writes a multi-task outcome through fresh adapters; the bench is closed right after (merging changes W0). */
    private AdapterExport.Outcome export(Workbench bench, Multitask trained, ExportFormat format, String mixture,
            Path out) {
        try (NDManager scope = bench.manager.newSubManager()) {
            LanguageModel model = bench.freshAdapters(scope, RandomStream.of(MultitaskPhase.SEED));
            trained.loadInto(model);
            List<String> tasks = !config.method().routing().taskIds() ? List.of()
                    : imported != null ? imported.taskNames() : suite.training().stream().map(Task::name).toList();
            return AdapterExport.write(model, bench.method.describe(), config.method().method().name(),
                    backboneFolder(), tasks, format, mixture, out);
        }
    }

    private Path backboneFolder() {
        return config.backbone().equals(ExperimentConfig.BUILTIN) ? BuiltinBackbone.folder() : Path.of(config.backbone());
    }

    /** The per-task shots a data-scripts export records in its {@code suite.json} ({@code heldout[].k}). */
    private static Map<String, Integer> manifestShots(Path manifest) throws IOException {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(manifest)) {
            return out;
        }
        JsonNode heldout = ConfigBinding.MAPPER.readTree(manifest.toFile()).get("heldout");
        if (heldout != null) {
            for (JsonNode entry : heldout) {
                if (entry.has("k")) {
                    if (!entry.path("task").isTextual() || !entry.get("k").canConvertToInt()) {
                        throw new IllegalArgumentException(manifest + ": heldout entries need a task and an integer k");
                    }
                    out.put(entry.get("task").asText(), entry.get("k").asInt());
                }
            }
        }
        return out;
    }
}
