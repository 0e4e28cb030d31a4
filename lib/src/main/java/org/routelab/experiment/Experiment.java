package org.routelab.experiment;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.routelab.backbone.TextTokenizer;
import org.routelab.analysis.GradientAlignment;
import org.routelab.analysis.TransferMatrix;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.ChoiceExpansion;
import org.routelab.data.EncodedExample;
import org.routelab.data.Example;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.FewShotSampler;
import org.routelab.data.FewShotSplit;
import org.routelab.data.StepBatches;
import org.routelab.data.Task;
import org.routelab.data.TaskBatch;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.eval.RankClassification;
import org.routelab.eval.SeedAggregate;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.ParameterRole;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.notebook.Progress;
import org.routelab.notebook.ProgressPhase;
import org.routelab.routing.AdaptationVariant;
import org.routelab.train.MetricsLog;
import org.routelab.train.ParameterGroup;
import org.routelab.train.TFewLoss;
import org.routelab.train.Trainer;
import org.routelab.train.TrainerConfig;
import org.routelab.train.TrainingObjective;

/**
 * One experiment of the papers, end to end: inject a method into the frozen backbone, train it on
 * all training tasks at once (mixed-task batches, routing by task id or by the input: {@link
 * RoutingInputs} builds every batch's context), then for every held-out task and seed adapt a copy on {@code k} shots with a variant (full, -z, -mu) and score the remaining
 * examples by rank classification. Results are the median over seeds per task and their mean.
 * Setting the multi-task steps to 0 measures the same few-shot training from a fresh adapter.
 *
 * <p>Build one with {@link #builder()}; every option has the built-in default (SkillComp and the
 * built-in backbone), so {@code Experiment.builder().method("poly").build().run()} works as is.
 */
public final class Experiment {
    /*
     * The built-in default's protocol. On the tiny backbone a step costs about the same at 16 or 64
     * examples (operation overheads dominate), so it trains in few large batches with learning rates
     * raised to match: the whole comparison of the six task-id methods, 3 seeds each, fits in 10
     * minutes of one CPU core.
     */
    /** Multi-task updates on the built-in default (of {@link #DEFAULT_BATCH_SIZE} examples each). */
    public static final int DEFAULT_MULTITASK_STEPS = 100;
    /** Examples per multi-task batch, and the largest adaptation batch (so 32 shots are one batch). */
    public static final int DEFAULT_BATCH_SIZE = 64;
    /**
     * The experts' multi-task learning rate of LoRA-style methods. The papers use 1e-3 on T5-XL over
     * 100k steps; the tiny backbone trained for 100 steps needs a larger one.
     */
    public static final float DEFAULT_ADAPTER_LR = 3e-2f;
    /**
     * The experts' multi-task learning rate of the tensor methods (TLoRA, TensorPoly-I and II). Their
     * update is a Kronecker product of layer-normalised pairs of leaves, and Adafactor's absolute
     * steps at {@link #DEFAULT_ADAPTER_LR} move it too far: measured on the built-in default,
     * TensorPoly-I's multi-task loss diverged at 3e-2 and TLoRA's stayed at its start at 1e-2.
     */
    public static final float DEFAULT_TENSOR_ADAPTER_LR = 3e-3f;
    /**
     * T-REX's learning rate, multi-task and few-shot: at {@link #DEFAULT_ADAPTER_LR} its multi-task
     * loss stalled (2.93) on SkillComp with instructions; at 1e-2 it trains (1.72).
     */
    public static final float DEFAULT_TREX_LR = 1e-2f;
    /**
     * The routing logits' learning rate, in multi-task training and adaptation. The papers' 0.1 is for
     * 1000 few-shot steps; in 10 the logits of a new task barely leave uniform, so route-only (-z)
     * adaptation cannot pick experts (measured: Poly-z 0.06 at 0.1, 0.80 at 1.0).
     */
    public static final float DEFAULT_ROUTING_LR = 1f;
    /** Shots per held-out task (the papers' k = 32). */
    public static final int DEFAULT_SHOTS = 32;
    /** Few-shot updates (the papers run 1000 on T0); each is one batch of all 32 shots. */
    public static final int DEFAULT_ADAPT_STEPS = 10;
    /** The experts' few-shot learning rate of LoRA-style methods (the papers' 3e-3 is for T5-XL). */
    public static final float DEFAULT_ADAPT_LR = 3e-2f;
    /** The experts' few-shot learning rate of the tensor methods (see {@link #DEFAULT_TENSOR_ADAPTER_LR}). */
    public static final float DEFAULT_TENSOR_ADAPT_LR = 1e-2f;

    /** The few-shot seeds (the papers'). */
    public static final List<Integer> DEFAULT_SEEDS = List.of(0, 1024, 42);

    /**
     * Returns a method's default multi-task learning rate for its experts.
     *
     * @param method the method
     * @return {@link #DEFAULT_TENSOR_ADAPTER_LR} for the tensor methods, {@link #DEFAULT_TREX_LR} for
     *     T-REX, else {@link #DEFAULT_ADAPTER_LR}
     */
    public static float defaultLearningRate(Method method) {
        return switch (method) {
            case TLORA, TENSORPOLY_I, TENSORPOLY_II -> DEFAULT_TENSOR_ADAPTER_LR;
            case TREX -> DEFAULT_TREX_LR;
            default -> DEFAULT_ADAPTER_LR;
        };
    }

    /**
     * Returns a method's default few-shot learning rate for its experts.
     *
     * @param method the method
     * @return {@link #DEFAULT_TENSOR_ADAPT_LR} for the tensor methods, {@link #DEFAULT_TREX_LR} for
     *     T-REX, else {@link #DEFAULT_ADAPT_LR}
     */
    public static float defaultAdaptLearningRate(Method method) {
        return switch (method) {
            case TLORA, TENSORPOLY_I, TENSORPOLY_II -> DEFAULT_TENSOR_ADAPT_LR;
            case TREX -> DEFAULT_TREX_LR;
            default -> DEFAULT_ADAPT_LR;
        };
    }

    /** The name given to the builder, or null. */
    private final String name;
    /** The method's label, e.g. {@code poly} or {@code lora-fresh}. */
    private final String label;
    private final Path backbone;
    private final TaskSuite suite;
    private final MethodConfig method;
    private final int multitaskSteps;
    private final int batchSize;
    private final float adapterLearningRate;
    private final float routingLearningRate;
    private final AdaptationVariant variant;
    private final int shots;
    private final Map<String, Integer> shotsPerTask;
    private final int adaptSteps;
    private final float adaptLearningRate;
    private final AdaptationLoss adaptationLoss;
    private final int evaluateEvery;
    private final int validationExamples;
    private final boolean keepBest;
    private final Device device;
    private final int checkpointEvery;
    private final int snapshotEvery;
    private final List<Integer> seeds;
    private final RoutingInputs.Encoder intuitionEncoder;
    private final int alignmentEvery;
    private final int alignmentExamples;
    /** Built at first use; T-REX's intuition is then fitted once and serves every phase. */
    private RoutingInputs routingInputs;

    private Experiment(Builder b) {
        this.method = Objects.requireNonNull(b.method, "method");
        this.name = b.name;
        this.label = method.method().id() + (b.multitaskSteps == 0 ? "-fresh" : "");
        this.backbone = b.backbone;
        this.suite = b.suite;
        this.multitaskSteps = b.multitaskSteps;
        this.batchSize = b.batchSize;
        this.adapterLearningRate = b.adapterLearningRate != null ? b.adapterLearningRate
                : defaultLearningRate(method.method());
        this.routingLearningRate = b.routingLearningRate;
        this.variant = b.variant;
        this.shots = b.shots;
        this.shotsPerTask = Map.copyOf(b.shotsPerTask);
        this.adaptSteps = b.adaptSteps;
        this.adaptLearningRate = b.adaptLearningRate != null ? b.adaptLearningRate
                : defaultAdaptLearningRate(method.method());
        this.adaptationLoss = b.adaptationLoss;
        this.evaluateEvery = b.evaluateEvery;
        this.validationExamples = b.validationExamples;
        this.keepBest = b.keepBest;
        this.device = b.device;
        this.checkpointEvery = b.checkpointEvery;
        this.snapshotEvery = b.snapshotEvery;
        this.seeds = List.copyOf(b.seeds);
        this.intuitionEncoder = b.intuitionEncoder;
        this.alignmentEvery = b.alignmentEvery;
        this.alignmentExamples = b.alignmentExamples;
    }

    /** Returns a builder with the built-in defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the experiment's label: its name, or the method's with the variant, e.g. {@code poly-z}. */
    public String name() {
        return name(variant);
    }

    /** Returns the method and its options, as configured (before the suite's task count is applied). */
    public MethodConfig method() {
        return method;
    }

    /**
     * The label of a result adapted with {@code v}: the given name for the experiment's own variant
     * (that name with the variant's suffix for another), else the method's label with the suffix of
     * any variant but full.
     */
    private String name(AdaptationVariant v) {
        if (name != null) {
            return v == variant ? name : name + "-" + v.id();
        }
        return label + (v == AdaptationVariant.FULL ? "" : "-" + v.id());
    }

    /**
     * Runs the experiment in memory, reporting progress per phase through {@link Progress}.
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
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Multitask multitask = multitask(manager, outputDir);
            ExperimentResult result = adapt(manager, multitask, variant, start);
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
     */
    public List<ExperimentResult> runVariants(AdaptationVariant... variants) {
        if (variants.length == 0) {
            throw new IllegalArgumentException("need at least one adaptation variant");
        }
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Multitask multitask = multitask(manager, null);
            long shared = System.nanoTime() - start;
            List<ExperimentResult> results = new ArrayList<>();
            for (AdaptationVariant v : variants) {
                results.add(adapt(manager, multitask, v, System.nanoTime() - shared));
            }
            return results;
        }
    }

    /**
     * Runs multi-task training only (the command line's {@code train}), keeping checkpoints, the
     * metrics log and the final adapters in {@code outputDir/multitask}.
     *
     * @param outputDir the run folder
     * @return the loss of every training step, including those run before a resume (empty without
     *     multi-task training)
     */
    public List<Float> train(Path outputDir) {
        Objects.requireNonNull(outputDir, "outputDir");
        try (NDManager manager = NDManager.newBaseManager(device)) {
            return multitask(manager, outputDir).losses();
        }
    }

    /**
     * Runs few-shot adaptation and evaluation only (the command line's {@code adapt}), starting from
     * the adapters that {@link #train} left in {@code outputDir/multitask}; writes the results there.
     *
     * @param outputDir the run folder
     * @return the measurements
     * @throws IllegalStateException if multi-task training is configured but has not finished there
     */
    public ExperimentResult adapt(Path outputDir) {
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Multitask multitask = Multitask.NONE;
            if (multitaskSteps > 0) {
                multitask = Multitask.read(outputDir.resolve(MULTITASK_DIR), manager)
                        .orElseThrow(() -> new IllegalStateException("no finished multi-task training in "
                                + outputDir.resolve(MULTITASK_DIR) + "; run train first"));
            }
            ExperimentResult result = adapt(manager, multitask, variant, start);
            ResultFiles.write(outputDir, result);
            return result;
        }
    }

    /**
     * Scores the multi-task-trained model on its own training tasks (the command line's {@code
     * eval}): rank-classification accuracy per training task on up to {@code examples} of its
     * examples, routed as the method routes (its task id, or its input). It shows how well multi-task training fit before any transfer.
     *
     * @param outputDir the run folder holding finished multi-task training, or null to train in memory
     * @param examples examples scored per task (positive)
     * @return accuracy per training task, in suite order
     */
    public Map<String, Double> evaluateTraining(Path outputDir, int examples) {
        if (examples <= 0) {
            throw new IllegalArgumentException("examples must be positive, got " + examples);
        }
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Multitask multitask = outputDir == null ? multitask(manager, null)
                    : Multitask.read(outputDir.resolve(MULTITASK_DIR), manager).orElseThrow(() ->
                            new IllegalStateException("no finished multi-task training in "
                                    + outputDir.resolve(MULTITASK_DIR) + "; run train first"));
            Path folder = backboneFolder();
            MethodConfig config = method.withTasks(suite.numTrainingTasks());
            Map<String, Double> out = new LinkedHashMap<>();
            try (TextTokenizer tokenizer = TextTokenizer.load(folder)) {
                ExampleEncoder encoder = new ExampleEncoder(tokenizer);
                RoutingInputs routing = routingInputs(encoder);
                LanguageModel model = fresh(folder, manager, config, MULTITASK_SEED);
                multitask.loadInto(model);
                List<Task> tasks = suite.training();
                for (int id = 0; id < tasks.size(); id++) {
                    Task task = tasks.get(id);
                    List<Example> some = task.examples().subList(0, Math.min(examples, task.examples().size()));
                    out.put(task.name(), accuracy(model, encoder.encode(some, id), manager, routing));
                }
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
        if (!method.method().routed() || method.randomRouting()) {
            throw new IllegalArgumentException(method.method().id() + (method.randomRouting() ? " with random routing"
                    : "") + " does not route by task: there is no task routing to transfer");
        }
        if (trained.multitaskWeights().isEmpty()) {
            throw new IllegalArgumentException("the result " + trained.name() + " holds no multi-task weights");
        }
        if (examples <= 0) {
            throw new IllegalArgumentException("examples must be positive, got " + examples);
        }
        try (NDManager manager = NDManager.newBaseManager(device);
                TextTokenizer tokenizer = TextTokenizer.load(backboneFolder())) {
            ExampleEncoder encoder = new ExampleEncoder(tokenizer);
            RoutingInputs routing = routingInputs(encoder);
            LanguageModel model = fresh(backboneFolder(), manager, method.withTasks(suite.numTrainingTasks()),
                    MULTITASK_SEED);
            trained.multitaskWeights().loadInto(model);
            List<Task> tasks = suite.training();
            List<List<Example>> scored = tasks.stream()
                    .map(t -> t.examples().subList(0, Math.min(examples, t.examples().size()))).toList();
            // Every (routing task, evaluated task) block in one list: batches mix routings, one pass scores all.
            List<EncodedExample> all = new ArrayList<>();
            for (int routed = 0; routed < tasks.size(); routed++) {
                for (List<Example> some : scored) {
                    all.addAll(encoder.encode(some, routed));
                }
            }
            int[] predictions = RankClassification.predict(all, 64, manager, model,
                    b -> routing.context(b, model, false));
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
        }
    }

    /** Seeds the multi-task adapters' initialisation, batch order and training steps. */
    private static final int MULTITASK_SEED = 0;

    /** The multi-task training folder inside a run folder. */
    static final String MULTITASK_DIR = "multitask";

    private Path backboneFolder() {
        return backbone != null ? backbone : BuiltinBackbone.folder();
    }

    /** What routers read besides the layer input, for every phase of this experiment. */
    private RoutingInputs routingInputs(ExampleEncoder encoder) {
        if (routingInputs == null) {
            routingInputs = new RoutingInputs(method.withTasks(suite.numTrainingTasks()), encoder.encodeTraining(suite),
                    intuitionEncoder);
        }
        return routingInputs;
    }

    /** Multi-task training, or its saved outcome when an output folder already holds it. */
    private Multitask multitask(NDManager manager, Path outputDir) {
        if (multitaskSteps == 0) {
            return Multitask.NONE;
        }
        Path dir = outputDir == null ? null : outputDir.resolve(MULTITASK_DIR);
        if (dir != null) {
            java.util.Optional<Multitask> done = Multitask.read(dir, manager);
            if (done.isPresent()) {
                return done.get();
            }
        }
        Path folder = backboneFolder();
        MethodConfig config = method.withTasks(suite.numTrainingTasks());
        try (NDManager scope = manager.newSubManager(); TextTokenizer tokenizer = TextTokenizer.load(folder)) {
            LanguageModel model = fresh(folder, scope, config, MULTITASK_SEED);
            ExampleEncoder encoder = new ExampleEncoder(tokenizer);
            List<AdapterWeights> snapshots = new ArrayList<>();
            GradientProbe probe = alignmentEvery > 0 ? new GradientProbe(suite, encoder, alignmentExamples) : null;
            GradientAlignment[] alignment = {GradientAlignment.NONE};
            List<Float> losses = trainMultitask(model, encoder.encodeTraining(suite), dir, routingInputs(encoder),
                    snapshots, probe, alignment);
            if (dir != null) {
                // A resumed run trained only the last steps; the metrics log has them all.
                losses = MetricsLog.losses(dir.resolve(MetricsLog.FILE));
            }
            Multitask trained = Multitask.of(model, losses, snapshots, alignment[0], manager);
            if (dir != null) {
                trained.write(dir);
            }
            return trained;
        }
    }

    private ExperimentResult adapt(NDManager manager, Multitask multitask, AdaptationVariant variant, long start) {
        Path folder = backboneFolder();
        MethodConfig config = method.withTasks(suite.numTrainingTasks());
        SeedAggregate scores = new SeedAggregate();
        long trainedAdaptation = 0;
        List<AdaptationCurve> curves = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(folder)) {
            ExampleEncoder encoder = new ExampleEncoder(tokenizer);
            RoutingInputs routing = routingInputs(encoder);
            for (Task task : suite.heldout()) {
                for (int seed : seeds) {
                    try (NDManager scope = manager.newSubManager()) {
                        LanguageModel model = fresh(folder, scope, config, seed);
                        multitask.loadInto(model);
                        variant.apply(model, 1);
                        trainedAdaptation = model.trainableParameterCount();
                        FewShotSplit split = FewShotSampler.split(task, shotsPerTask.getOrDefault(task.name(), shots), seed);
                        List<EncodedExample> train = encoder.encode(split.shots(), 0);
                        List<EncodedExample> rest = encoder.encode(split.rest(), 0);
                        int held = evaluateEvery > 0 ? Math.min(validationExamples, rest.size() - 1) : 0;
                        curves.add(adapt(model, train, rest.subList(0, held), name(variant), task.name(), seed,
                                routing));
                        scores.add(task.name(), seed, accuracy(model, rest.subList(held, rest.size()), scope, routing));
                    }
                }
            }
        }
        return new ExperimentResult(name(variant), config.describe(), scores, seeds, multitask.trainableCount(),
                trainedAdaptation, multitask.losses(), curves, (System.nanoTime() - start) / 1e9,
                multitask.heapWeights(), multitask.snapshots(), multitask.alignment());
    }

    /** Rank-classification accuracy of the model as it is (evaluation mode). */
    private static double accuracy(LanguageModel model, List<EncodedExample> examples, NDManager manager,
            RoutingInputs routing) {
        int[] predictions = RankClassification.predict(examples, 64, manager, model,
                b -> routing.context(b, model, false));
        return RankClassification.accuracy(examples, predictions);
    }

    /**
     * The backbone with freshly initialised adapters. Their initialisation draws from the engine's
     * generator, so it is seeded first: every run, in any process, starts from the same adapters.
     */
    private LanguageModel fresh(Path folder, NDManager manager, MethodConfig config, int initSeed) {
        LanguageModel model = LanguageModel.load(folder, manager, DataType.FLOAT32);
        Engine.getInstance().setRandomSeed(initSeed);
        Method.inject(model, config, DataType.FLOAT32);
        return model;
    }

    /** The trainable parameters of a phase, split into the experts' and the routing logits' groups. */
    private static List<ParameterGroup> groups(LanguageModel model, float adapters, float routing) {
        Map<ParameterRole, Map<String, Parameter>> roles = ParameterRole.split(model);
        Set<String> trainable = model.trainableParameters().keySet();
        roles.values().forEach(params -> params.keySet().retainAll(trainable));
        List<ParameterGroup> groups = new ArrayList<>();
        if (!roles.get(ParameterRole.ADAPTER).isEmpty()) {
            groups.add(new ParameterGroup("adapter", adapters, roles.get(ParameterRole.ADAPTER)));
        }
        if (!roles.get(ParameterRole.ROUTING).isEmpty()) {
            groups.add(new ParameterGroup("routing", routing, roles.get(ParameterRole.ROUTING)));
        }
        return groups;
    }

    /**
     * Trains; every {@code snapshotEvery} steps before the last, copies the trained parameters into
     * {@code snapshots}; with a probe, every {@code alignmentEvery} steps and after the last, measures
     * gradient alignment into {@code alignment[0]}.
     */
    private List<Float> trainMultitask(LanguageModel model, List<EncodedExample> examples, Path checkpoints,
            RoutingInputs routing, List<AdapterWeights> snapshots, GradientProbe probe, GradientAlignment[] alignment) {
        List<ParameterGroup> groups = groups(model, adapterLearningRate, routingLearningRate);
        StepBatches<EncodedExample> batches = new StepBatches<>(examples, batchSize, MULTITASK_SEED);
        TrainingObjective objective = (step, scope) -> {
            TaskBatch b = TaskBatch.of(scope, batches.batch(step), model);
            ForwardContext ctx = routing.context(b, model, true);
            return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(model.loss(b.inputs(), ctx)),
                    b.inputs().targetTokens());
        };
        try (ProgressPhase phase = Progress.start((name != null ? name : label) + ": multi-task training",
                multitaskSteps)) {
            TrainerConfig trainer = new TrainerConfig(multitaskSteps, TrainerConfig.OptimizerKind.ADAFACTOR, 0.06, 1f,
                    0f, checkpoints == null ? 0 : checkpointEvery, 2, MULTITASK_SEED);
            return new Trainer(trainer, groups, checkpoints).run(objective, r -> {
                phase.update(r.step(), Map.of("loss", r.loss()));
                if (snapshotEvery > 0 && r.step() % snapshotEvery == 0 && r.step() < r.totalSteps()) {
                    snapshots.add(AdapterWeights.copyOf(arrays(model.trainableParameters()), r.step()));
                }
                if (probe != null && (r.step() % alignmentEvery == 0 || r.step() == r.totalSteps())) {
                    alignment[0] = alignment[0].plus(r.step(), probe.measure(model, routing));
                }
            }).losses();
        }
    }

    private static Map<String, NDArray> arrays(Map<String, Parameter> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.array()));
        return out;
    }

    private AdaptationCurve adapt(LanguageModel model, List<EncodedExample> shotsEncoded,
            List<EncodedExample> validation, String name, String task, int seed, RoutingInputs routing) {
        int size = Math.min(batchSize, shotsEncoded.size());
        StepBatches<EncodedExample> batches = new StepBatches<>(shotsEncoded, size, seed);
        TrainingObjective objective = (step, scope) -> adaptationLoss(model, batches.batch(step), scope, routing);
        List<Integer> evaluated = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        Map<String, Parameter> trainable = model.trainableParameters();
        int[] kept = {adaptSteps};
        try (NDManager snapshots = model.manager().newSubManager();
                ProgressPhase phase = Progress.start(name + ": adapt " + task + " (seed " + seed + ")", adaptSteps)) {
            Map<String, NDArray> best = new LinkedHashMap<>();
            Trainer trainer = new Trainer(
                    new TrainerConfig(adaptSteps, TrainerConfig.OptimizerKind.ADAFACTOR, 0.06, 1f, 0f, 0, 1, seed),
                    groups(model, adaptLearningRate, routingLearningRate), null);
            List<Float> losses = trainer.run(objective, r -> {
                phase.update(r.step(), Map.of("loss", r.loss()));
                if (validation.isEmpty() || (r.step() % evaluateEvery != 0 && r.step() != r.totalSteps())) {
                    return;
                }
                double acc = accuracy(model, validation, snapshots, routing);
                boolean better = accuracies.stream().allMatch(a -> acc > a);
                evaluated.add(r.step());
                accuracies.add(acc);
                if (keepBest && better) {
                    best.values().forEach(NDArray::close);
                    trainable.forEach((k, p) -> {
                        NDArray copy = p.array().duplicate();
                        copy.attach(snapshots);
                        best.put(k, copy);
                    });
                    kept[0] = r.step();
                }
            }).losses();
            // Best-validation protocol: score the test examples with the weights of the best evaluation.
            best.forEach((k, v) -> trainable.get(k).array().set(v.toByteBuffer()));
            return new AdaptationCurve(task, seed, losses, evaluated, accuracies, kept[0]);
        }
    }

    /** The adaptation loss of one batch of shots: LM, or T-Few's over the answer choices. */
    private TrainingObjective.StepLoss adaptationLoss(LanguageModel model, List<EncodedExample> batch,
            NDManager scope, RoutingInputs routing) {
        if (adaptationLoss == AdaptationLoss.LM) {
            TaskBatch b = TaskBatch.of(scope, batch, model);
            ForwardContext ctx = routing.context(b, model, true);
            return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(model.loss(b.inputs(), ctx)),
                    b.inputs().targetTokens());
        }
        ChoiceExpansion expansion = ChoiceExpansion.of(batch);
        int choices = batch.get(0).choiceIds().size();
        TaskBatch rows = TaskBatch.of(scope, expansion.rows(), model);
        ForwardContext ctx = routing.context(rows, model, true);
        NDArray logits = model.logits(rows.inputs(), ctx);
        long[] labels = new long[batch.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = expansion.labels()[i];
        }
        NDArray loss = TFewLoss.compute(logits, rows.inputs().labels(), choices, scope.create(labels)).total();
        return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(loss), rows.inputs().targetTokens());
    }

    /** Options of an experiment; unset ones take the built-in defaults. */
    public static final class Builder {
        private String name;
        private Path backbone;
        private TaskSuite suite = SkillComp.generate(0).suite();
        private MethodConfig method;
        private int multitaskSteps = DEFAULT_MULTITASK_STEPS;
        private int batchSize = DEFAULT_BATCH_SIZE;
        /** Null: the method's default. */
        private Float adapterLearningRate;
        private float routingLearningRate = DEFAULT_ROUTING_LR;
        private AdaptationVariant variant = AdaptationVariant.FULL;
        private int shots = DEFAULT_SHOTS;
        private Map<String, Integer> shotsPerTask = Map.of();
        private int adaptSteps = DEFAULT_ADAPT_STEPS;
        /** Null: the method's default. */
        private Float adaptLearningRate;
        private AdaptationLoss adaptationLoss = AdaptationLoss.TFEW;
        private int evaluateEvery;
        private int validationExamples = 32;
        private boolean keepBest;
        private Device device;
        private int checkpointEvery = 100;
        private int snapshotEvery;
        private List<Integer> seeds = DEFAULT_SEEDS;
        private RoutingInputs.Encoder intuitionEncoder = RoutingInputs.Encoder.BACKBONE;
        private int alignmentEvery;
        private int alignmentExamples;

        private Builder() {}

        /**
         * Sets the label shown in tables.
         *
         * @param name the label
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Uses a Hugging Face model folder instead of the built-in backbone.
         *
         * @param folder the folder ({@code config.json}, weights, {@code tokenizer.json})
         * @return this builder
         */
        public Builder backbone(Path folder) {
            this.backbone = folder;
            return this;
        }

        /**
         * Uses another task suite (e.g. one read with {@code JsonlTasks.readSuite}).
         *
         * @param suite training and held-out tasks
         * @return this builder
         */
        public Builder suite(TaskSuite suite) {
            this.suite = Objects.requireNonNull(suite, "suite");
            return this;
        }

        /**
         * Sets the method with its options.
         *
         * @param config the method configuration
         * @return this builder
         */
        public Builder method(MethodConfig config) {
            this.method = config;
            return this;
        }

        /**
         * Sets the method by name with the papers' default options.
         *
         * @param name e.g. {@code poly}, {@code mhr}, {@code tensorpoly-2}
         * @return this builder
         */
        public Builder method(String name) {
            return method(MethodConfig.defaults(Method.parse(name)));
        }

        /**
         * Sets the multi-task training length; 0 skips it (few-shot training from a fresh adapter).
         *
         * @param steps the number of updates
         * @return this builder
         */
        public Builder multitaskSteps(int steps) {
            this.multitaskSteps = requireNonNegative(steps, "multitaskSteps");
            return this;
        }

        /**
         * Sets the batch size of multi-task training and the largest of adaptation.
         *
         * @param size examples per batch
         * @return this builder
         */
        public Builder batchSize(int size) {
            this.batchSize = requirePositive(size, "batchSize");
            return this;
        }

        /**
         * Sets the multi-task learning rates (by default the method's, {@link #defaultLearningRate}, and
         * {@link #DEFAULT_ROUTING_LR}).
         *
         * @param adapters the experts' learning rate
         * @param routing the routing logits' learning rate
         * @return this builder
         */
        public Builder learningRates(float adapters, float routing) {
            this.adapterLearningRate = adapters;
            this.routingLearningRate = routing;
            return this;
        }

        /**
         * Sets the adaptation variant.
         *
         * @param variant full, -z or -mu
         * @return this builder
         */
        public Builder variant(AdaptationVariant variant) {
            this.variant = Objects.requireNonNull(variant, "variant");
            return this;
        }

        /**
         * Sets the few-shot adaptation.
         *
         * @param shots examples per held-out task ({@code k})
         * @param steps updates
         * @param learningRate the learning rate
         * @return this builder
         */
        public Builder adaptation(int shots, int steps, float learningRate) {
            adaptation(shots, steps);
            this.adaptLearningRate = learningRate;
            return this;
        }

        /**
         * Sets the few-shot adaptation, keeping the learning rate (by default the method's, {@link
         * #defaultAdaptLearningRate}).
         *
         * @param shots examples per held-out task ({@code k})
         * @param steps updates
         * @return this builder
         */
        public Builder adaptation(int shots, int steps) {
            this.shots = requirePositive(shots, "shots");
            this.adaptSteps = requirePositive(steps, "adaptation steps");
            return this;
        }

        /**
         * Gives some held-out tasks their own number of shots (the papers use 50 for Winogrande, 70
         * for StoryCloze and 20 for H-SWAG); the others keep the adaptation's {@code shots}.
         *
         * @param shots shots by held-out task name (positive)
         * @return this builder
         */
        public Builder shotsPerTask(Map<String, Integer> shots) {
            shots.forEach((task, k) -> requirePositive(k, "shots of " + task));
            this.shotsPerTask = Map.copyOf(shots);
            return this;
        }

        /**
         * Sets the adaptation loss.
         *
         * @param loss LM or T-Few
         * @return this builder
         */
        public Builder adaptationLoss(AdaptationLoss loss) {
            this.adaptationLoss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /**
         * Evaluates during adaptation: every {@code every} steps (and after the last), the accuracy on
         * {@code examples} validation examples taken from the held-out task's non-shot examples (they
         * are then left out of the test set). With {@code keepBest}, the test set is scored with the
         * weights of the best evaluation (the best-validation protocol); otherwise with the last.
         *
         * @param every steps between evaluations (positive)
         * @param examples validation examples per task (positive)
         * @param keepBest whether to keep the best-validation weights
         * @return this builder
         */
        public Builder validation(int every, int examples, boolean keepBest) {
            this.evaluateEvery = requirePositive(every, "evaluation interval");
            this.validationExamples = requirePositive(examples, "validation examples");
            this.keepBest = keepBest;
            return this;
        }

        /**
         * Sets where the arrays live; by default the engine's default device (the first GPU when there
         * is one, else the CPU).
         *
         * @param device e.g. {@code Device.cpu()} or {@code Device.gpu(0)}
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /**
         * Sets how often multi-task training writes a checkpoint when the run has an output folder.
         *
         * @param steps steps between checkpoints (positive)
         * @return this builder
         */
        public Builder checkpointEvery(int steps) {
            this.checkpointEvery = requirePositive(steps, "checkpointEvery");
            return this;
        }

        /**
         * Keeps copies of the trained parameters every {@code steps} steps of multi-task training
         * ({@link ExperimentResult#multitaskSnapshots}), e.g. to draw the routers' trajectories. They
         * live on the Java heap, so mind the parameters' size times the number of snapshots. A run that
         * resumes from a checkpoint has snapshots of the steps it ran itself only.
         *
         * @param steps steps between snapshots (positive)
         * @return this builder
         */
        public Builder snapshotEvery(int steps) {
            this.snapshotEvery = requirePositive(steps, "snapshotEvery");
            return this;
        }

        /**
         * Measures gradient alignment during multi-task training ({@link ExperimentResult#gradientAlignment}):
         * every {@code every} steps and after the last, the cosine similarity between the training tasks'
         * gradients on the adapter parameters, each task's from its first {@code probeExamples} examples.
         * Each measurement costs a forward and backward pass of every probe batch. Kept in memory only.
         *
         * @param every steps between measurements (positive)
         * @param probeExamples examples in each task's probe batch (positive)
         * @return this builder
         */
        public Builder gradientAlignment(int every, int probeExamples) {
            this.alignmentEvery = requirePositive(every, "gradientAlignment every");
            this.alignmentExamples = requirePositive(probeExamples, "gradientAlignment probeExamples");
            return this;
        }

        /**
         * Sets the few-shot seeds.
         *
         * @param seeds the seeds (the papers use 0, 1024, 42)
         * @return this builder
         */
        public Builder seeds(Integer... seeds) {
            if (seeds.length == 0) {
                throw new IllegalArgumentException("need at least one seed");
            }
            this.seeds = List.of(seeds);
            return this;
        }

        /**
         * Sets the sentence encoder of T-REX's intuition (default: the frozen backbone).
         *
         * @param encoder the encoder
         * @return this builder
         */
        public Builder intuitionEncoder(RoutingInputs.Encoder encoder) {
            this.intuitionEncoder = Objects.requireNonNull(encoder, "encoder");
            return this;
        }

        /** Returns the experiment. */
        public Experiment build() {
            return new Experiment(this);
        }

        private static int requirePositive(int v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive, got " + v);
            }
            return v;
        }

        private static int requireNonNegative(int v, String what) {
            if (v < 0) {
                throw new IllegalArgumentException(what + " must be >= 0, got " + v);
            }
            return v;
        }
    }
}
