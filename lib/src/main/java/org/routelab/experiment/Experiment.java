package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.routelab.backbone.TextTokenizer;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.ChoiceExpansion;
import org.routelab.data.EncodedExample;
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
import org.routelab.train.ParameterGroup;
import org.routelab.train.TFewLoss;
import org.routelab.train.Trainer;
import org.routelab.train.TrainerConfig;
import org.routelab.train.TrainingObjective;

/**
 * One experiment of the papers, end to end: inject a method into the frozen backbone, train it on
 * all training tasks at once (mixed-task batches, routing by task id or by the input, see {@link
 * RoutingInputs}), then for every held-out task and seed adapt a copy on {@code k} shots with a
 * variant (full, -z, -mu) and score the remaining examples by rank classification. Results are the median over seeds per task and their mean.
 * Setting the multi-task steps to 0 measures the same few-shot training from a fresh adapter.
 *
 * <p>Build one with {@link #builder()}; every option has the built-in default (SkillComp and the
 * built-in backbone), so {@code Experiment.builder().method("poly").build().run()} works as is.
 */
public final class Experiment {
    private final String name;
    private final Path backbone;
    private final TaskSuite suite;
    private final MethodConfig method;
    private final int multitaskSteps;
    private final int batchSize;
    private final float adapterLearningRate;
    private final float routingLearningRate;
    private final AdaptationVariant variant;
    private final int shots;
    private final int adaptSteps;
    private final float adaptLearningRate;
    private final AdaptationLoss adaptationLoss;
    private final List<Integer> seeds;
    private final RoutingInputs.Encoder intuitionEncoder;

    private Experiment(Builder b) {
        this.method = Objects.requireNonNull(b.method, "method");
        this.name = b.name != null ? b.name : method.method().id() + (b.multitaskSteps == 0 ? "-fresh" : "")
                + (b.variant == AdaptationVariant.FULL ? "" : "-" + b.variant.id());
        this.backbone = b.backbone;
        this.suite = b.suite;
        this.multitaskSteps = b.multitaskSteps;
        this.batchSize = b.batchSize;
        this.adapterLearningRate = b.adapterLearningRate;
        this.routingLearningRate = b.routingLearningRate;
        this.variant = b.variant;
        this.shots = b.shots;
        this.adaptSteps = b.adaptSteps;
        this.adaptLearningRate = b.adaptLearningRate;
        this.adaptationLoss = b.adaptationLoss;
        this.seeds = List.copyOf(b.seeds);
        this.intuitionEncoder = b.intuitionEncoder;
    }

    /** Returns a builder with the built-in defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the experiment's label. */
    public String name() {
        return name;
    }

    /**
     * Runs the experiment, reporting progress per phase through {@link Progress}.
     *
     * @return the measurements
     */
    public ExperimentResult run() {
        long start = System.nanoTime();
        Path folder = backbone != null ? backbone : BuiltinBackbone.folder();
        MethodConfig config = method.withTasks(suite.numTrainingTasks());
        SeedAggregate scores = new SeedAggregate();
        try (NDManager manager = NDManager.newBaseManager();
                TextTokenizer tokenizer = TextTokenizer.load(folder)) {
            ExampleEncoder encoder = new ExampleEncoder(tokenizer);
            List<EncodedExample> training = encoder.encodeTraining(suite);
            RoutingInputs routingInputs = new RoutingInputs(config, training, intuitionEncoder);
            Map<String, NDArray> multitask = new LinkedHashMap<>();
            List<Float> losses = List.of();
            long trainedMultitask = 0;
            if (multitaskSteps > 0) {
                try (NDManager scope = manager.newSubManager()) {
                    LanguageModel model = fresh(folder, scope, config);
                    trainedMultitask = model.trainableParameterCount();
                    losses = trainMultitask(model, training, routingInputs);
                    model.trainableParameters().forEach((k, p) -> {
                        NDArray copy = p.array().duplicate();
                        copy.attach(manager);
                        multitask.put(k, copy);
                    });
                }
            }
            long trainedAdaptation = 0;
            for (Task task : suite.heldout()) {
                for (int seed : seeds) {
                    try (NDManager scope = manager.newSubManager()) {
                        LanguageModel model = fresh(folder, scope, config);
                        multitask.forEach((k, v) -> model.namedParameters().get(k).set(v.duplicate()));
                        variant.apply(model, 1);
                        trainedAdaptation = model.trainableParameterCount();
                        FewShotSplit split = FewShotSampler.split(task, shots, seed);
                        List<EncodedExample> train = encoder.encode(split.shots(), 0);
                        List<EncodedExample> test = encoder.encode(split.rest(), 0);
                        adapt(model, train, task.name(), seed, routingInputs);
                        int[] predictions = RankClassification.predict(test, 64, scope, model,
                                b -> routingInputs.context(b, model, false));
                        scores.add(task.name(), seed, RankClassification.accuracy(test, predictions));
                    }
                }
            }
            return new ExperimentResult(name, config.describe(), scores, seeds, trainedMultitask, trainedAdaptation,
                    losses, (System.nanoTime() - start) / 1e9);
        }
    }

    private LanguageModel fresh(Path folder, NDManager manager, MethodConfig config) {
        LanguageModel model = LanguageModel.load(folder, manager, DataType.FLOAT32);
        Method.inject(model, config, DataType.FLOAT32);
        return model;
    }

    private List<Float> trainMultitask(LanguageModel model, List<EncodedExample> examples,
            RoutingInputs routingInputs) {
        Map<ParameterRole, Map<String, Parameter>> roles = ParameterRole.split(model);
        Set<String> trainable = model.trainableParameters().keySet();
        roles.values().forEach(params -> params.keySet().retainAll(trainable));
        List<ParameterGroup> groups = new ArrayList<>();
        groups.add(new ParameterGroup("adapter", adapterLearningRate, roles.get(ParameterRole.ADAPTER)));
        Map<String, Parameter> routing = roles.get(ParameterRole.ROUTING);
        if (!routing.isEmpty()) {
            groups.add(new ParameterGroup("routing", routingLearningRate, routing));
        }
        StepBatches<EncodedExample> batches = new StepBatches<>(examples, batchSize, 0);
        TrainingObjective objective = (step, scope) -> {
            TaskBatch b = TaskBatch.of(scope, batches.batch(step), model);
            ForwardContext ctx = routingInputs.context(b, model, true);
            return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(model.loss(b.inputs(), ctx)),
                    b.inputs().targetTokens());
        };
        try (ProgressPhase phase = Progress.start(name + ": multi-task training", multitaskSteps)) {
            return new Trainer(TrainerConfig.papers(multitaskSteps, 0), groups, null)
                    .run(objective, r -> phase.update(r.step(), Map.of("loss", r.loss()))).losses();
        }
    }

    private void adapt(LanguageModel model, List<EncodedExample> shotsEncoded, String task, int seed,
            RoutingInputs routingInputs) {
        Map<String, Parameter> trainable = model.trainableParameters();
        int size = Math.min(batchSize, shotsEncoded.size());
        StepBatches<EncodedExample> batches = new StepBatches<>(shotsEncoded, size, seed);
        TrainingObjective objective = (step, scope) -> {
            List<EncodedExample> batch = batches.batch(step);
            if (adaptationLoss == AdaptationLoss.LM) {
                TaskBatch b = TaskBatch.of(scope, batch, model);
                ForwardContext ctx = routingInputs.context(b, model, true);
                return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(model.loss(b.inputs(), ctx)),
                        b.inputs().targetTokens());
            }
            ChoiceExpansion expansion = ChoiceExpansion.of(batch);
            int choices = batch.get(0).choiceIds().size();
            TaskBatch rows = TaskBatch.of(scope, expansion.rows(), model);
            ForwardContext ctx = routingInputs.context(rows, model, true);
            NDArray logits = model.logits(rows.inputs(), ctx);
            long[] labels = new long[batch.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = expansion.labels()[i];
            }
            NDArray loss = TFewLoss.compute(logits, rows.inputs().labels(), choices, scope.create(labels)).total();
            return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(loss), rows.inputs().targetTokens());
        };
        try (ProgressPhase phase = Progress.start(name + ": adapt " + task + " (seed " + seed + ")", adaptSteps)) {
            new Trainer(new TrainerConfig(adaptSteps, TrainerConfig.OptimizerKind.ADAFACTOR, 0.06, 1f, 0f, 0, 1, seed),
                    List.of(new ParameterGroup("adaptation", adaptLearningRate, trainable)), null)
                    .run(objective, r -> phase.update(r.step(), Map.of("loss", r.loss())));
        }
    }

    /** Options of an experiment; unset ones take the built-in defaults. */
    public static final class Builder {
        private String name;
        private Path backbone;
        private TaskSuite suite = SkillComp.generate(0).suite();
        private MethodConfig method;
        private int multitaskSteps = 400;
        private int batchSize = 16;
        private float adapterLearningRate = 1e-2f;
        private float routingLearningRate = 0.1f;
        private AdaptationVariant variant = AdaptationVariant.FULL;
        private int shots = 32;
        private int adaptSteps = 60;
        private float adaptLearningRate = 1e-2f;
        private AdaptationLoss adaptationLoss = AdaptationLoss.TFEW;
        private List<Integer> seeds = List.of(0, 1024, 42);
        private RoutingInputs.Encoder intuitionEncoder = RoutingInputs.Encoder.BACKBONE;

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
         * Sets the multi-task learning rates.
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
            this.shots = requirePositive(shots, "shots");
            this.adaptSteps = requirePositive(steps, "adaptation steps");
            this.adaptLearningRate = learningRate;
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
