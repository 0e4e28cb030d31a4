package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.ChoiceExpansion;
import org.routelab.data.EncodedExample;
import org.routelab.data.FewShotSampler;
import org.routelab.data.FewShotSplit;
import org.routelab.data.StepBatches;
import org.routelab.data.Task;
import org.routelab.data.TaskBatch;
import org.routelab.data.TaskSuite;
import org.routelab.eval.SeedAggregate;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.notebook.Progress;
import org.routelab.notebook.ProgressPhase;
import org.routelab.routing.AdaptationVariant;
import org.routelab.train.TFewLoss;
import org.routelab.train.Trainer;
import org.routelab.train.TrainerConfig;
import org.routelab.train.TrainingObjective;

/**
 * The few-shot phase: for every held-out task and seed, fresh adapters take the multi-task outcome, the
 * variant rewires them (full, -z, -mu), they train on the task's shots, and the remaining examples are
 * scored by rank classification (optionally with the weights of the best validation accuracy).
 */
final class AdaptationPhase {
    private AdaptationPhase() {}

    /**
     * Adapts and scores every held-out task and seed.
     *
     * @param bench the experiment's backbone and routing inputs
     * @param config the experiment
     * @param suite its tasks
     * @param multitask the multi-task outcome ({@link Multitask#NONE}: fresh adapters)
     * @param variant the adaptation variant
     * @param name the results' name
     * @param start when the run started ({@link System#nanoTime}), for the wall time
     * @return the measurements
     */
    static ExperimentResult run(Workbench bench, ExperimentConfig config, TaskSuite suite, Multitask multitask,
            AdaptationVariant variant, String name, long start) {
        AdaptationConfig ad = config.adaptation();
        SeedAggregate scores = new SeedAggregate();
        long trainedAdaptation = 0;
        List<AdaptationCurve> curves = new ArrayList<>();
        for (Task task : suite.heldout()) {
            for (int seed : config.seeds()) {
                try (NDManager scope = bench.manager.newSubManager()) {
                    Adapted a = adaptOne(bench, config, multitask, variant, task, seed, name, scope);
                    trainedAdaptation = a.trainable();
                    curves.add(a.curve());
                    scores.add(task.name(), seed, bench.accuracy(a.test(), scope));
                } finally {
                    bench.removeAdapters();
                }
            }
        }
        return new ExperimentResult(name, bench.method.describe(), scores, config.seeds(), multitask.trainableCount(),
                trainedAdaptation, multitask.losses(), curves, (System.nanoTime() - start) / 1e9,
                multitask.heapWeights(), multitask.snapshots());
    }

    /**
     * A held-out task adapted with one seed: the bench's model with its adapters as adaptation left them,
     * how many parameters trained, the curve, and the examples left to score.
     */
    record Adapted(LanguageModel model, long trainable, AdaptationCurve curve, List<EncodedExample> test) {}

    /**
     * Adapts fresh adapters (in {@code scope}) holding the multi-task outcome to one held-out task with one
     * seed; deterministic in the seed. The caller removes the adapters from the bench when done.
     *
     * @param bench the experiment's backbone and routing inputs
     * @param config the experiment
     * @param multitask the multi-task outcome
     * @param variant the adaptation variant
     * @param task the held-out task
     * @param seed the few-shot seed
     * @param name the results' name (for progress)
     * @param scope owns the adapters
     * @return the adapted model and what scoring needs
     */
    static Adapted adaptOne(Workbench bench, ExperimentConfig config, Multitask multitask, AdaptationVariant variant,
            Task task, int seed, String name, NDManager scope) {
        AdaptationConfig ad = config.adaptation();
        // Each task and seed draws its adapters and fresh routers from the seed's own stream.
        RandomStream init = RandomStream.of(seed);
        LanguageModel model = bench.freshAdapters(scope, init);
        multitask.loadInto(model);
        variant.apply(model, 1, init);
        long trainable = model.trainableParameterCount();
        FewShotSplit split = FewShotSampler.split(task, ad.shotsOf(task.name()), seed);
        List<EncodedExample> train = bench.encoder.encode(split.shots(), 0);
        List<EncodedExample> rest = bench.encoder.encode(split.rest(), 0);
        int held = ad.evaluateEvery() > 0 ? Math.min(ad.validationExamples(), rest.size() - 1) : 0;
        AdaptationCurve curve = adapt(bench, config, train, rest.subList(0, held), name, task.name(), seed);
        return new Adapted(model, trainable, curve, rest.subList(held, rest.size()));
    }

    private static AdaptationCurve adapt(Workbench bench, ExperimentConfig config, List<EncodedExample> shots,
            List<EncodedExample> validation, String name, String task, int seed) {
        AdaptationConfig ad = config.adaptation();
        LanguageModel model = bench.model;
        int size = Math.min(config.multitask().batchSize(), shots.size());
        StepBatches<EncodedExample> batches = new StepBatches<>(shots, size, seed);
        TrainingObjective objective = (step, scope, random) ->
                loss(bench, ad.loss(), batches.batch(step), scope, ForwardContext.train(random));
        List<Integer> evaluated = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        Map<String, Parameter> trainable = model.trainableParameters();
        int[] kept = {ad.steps()};
        try (NDManager snapshots = bench.manager.newSubManager();
                ProgressPhase phase = Progress.start(name + ": adapt " + task + " (seed " + seed + ")", ad.steps())) {
            Map<String, NDArray> best = new LinkedHashMap<>();
            Trainer trainer = new Trainer(TrainerConfig.papers(ad.steps(), seed),
                    bench.groups(config.adaptationLearningRate(), config.multitask().routingLr()), null);
            List<Float> losses = trainer.run(objective, r -> {
                phase.update(r.step(), Map.of("loss", r.loss()));
                if (validation.isEmpty() || (r.step() % ad.evaluateEvery() != 0 && r.step() != r.totalSteps())) {
                    return;
                }
                double acc = bench.accuracy(validation, snapshots);
                boolean better = accuracies.stream().allMatch(a -> acc > a);
                evaluated.add(r.step());
                accuracies.add(acc);
                if (ad.keepBest() && better) {
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
    private static TrainingObjective.StepLoss loss(Workbench bench, AdaptationLoss kind, List<EncodedExample> batch,
            NDManager scope, ForwardContext pass) {
        LanguageModel model = bench.model;
        if (kind == AdaptationLoss.LM) {
            TaskBatch b = TaskBatch.of(scope, batch, model);
            ForwardContext ctx = bench.routing.context(b, model, pass);
            return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(model.loss(b.inputs(), ctx)),
                    b.inputs().targetTokens());
        }
        ChoiceExpansion expansion = ChoiceExpansion.of(batch);
        int choices = batch.get(0).choiceIds().size();
        TaskBatch rows = TaskBatch.of(scope, expansion.rows(), model);
        ForwardContext ctx = bench.routing.context(rows, model, pass);
        NDArray logits = model.logits(rows.inputs(), ctx);
        long[] labels = new long[batch.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = expansion.labels()[i];
        }
        NDArray loss = TFewLoss.compute(logits, rows.inputs().labels(), choices, scope.create(labels)).total();
        return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(loss), rows.inputs().targetTokens());
    }
}
