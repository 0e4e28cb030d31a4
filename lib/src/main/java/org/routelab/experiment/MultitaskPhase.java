package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.routelab.analysis.AdapterWeights;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.StepBatches;
import org.routelab.data.TaskBatch;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.notebook.Progress;
import org.routelab.notebook.ProgressPhase;
import org.routelab.train.MetricsLog;
import org.routelab.train.Trainer;
import org.routelab.train.TrainerConfig;
import org.routelab.train.TrainingObjective;

/**
 * The multi-task phase: the method's adapters trained on all training tasks at once, in mixed-task
 * batches, with the papers' trainer settings. With a run folder it keeps checkpoints, a metrics log and
 * its outcome in {@code multitask/}, resumes from the last checkpoint, and is not repeated once finished.
 */
final class MultitaskPhase {
    /** Seeds the multi-task adapters' initialisation, batch order and training steps. */
    static final int SEED = 0;
    /** The multi-task training folder inside a run folder. */
    static final String DIR = "multitask";

    private MultitaskPhase() {}

    /**
     * Trains, or reads the finished training from the run folder.
     *
     * @param bench the experiment's backbone and routing inputs
     * @param config the experiment
     * @param label the name shown in progress reports
     * @param runDir the run folder, or null to train in memory
     * @return the outcome ({@link Multitask#NONE} without multi-task steps), its weights in the bench's manager
     */
    static Multitask run(Workbench bench, ExperimentConfig config, String label, Path runDir) {
        MultitaskConfig mt = config.multitask();
        if (mt.steps() == 0) {
            return Multitask.NONE;
        }
        Path dir = runDir == null ? null : runDir.resolve(DIR);
        if (dir != null) {
            Optional<Multitask> done = Multitask.read(dir, bench.manager);
            if (done.isPresent()) {
                return done.get();
            }
        }
        try (NDManager scope = bench.manager.newSubManager()) {
            LanguageModel model = bench.freshAdapters(scope, RandomStream.of(SEED));
            List<AdapterWeights> snapshots = new ArrayList<>();
            List<Float> losses = train(bench, config, label, dir, snapshots);
            if (dir != null) {
                // A resumed run trained only the last steps; the metrics log has them all.
                losses = MetricsLog.losses(dir.resolve(MetricsLog.FILE));
            }
            Multitask trained = Multitask.of(model, losses, snapshots, bench.manager);
            if (dir != null) {
                trained.write(dir);
            }
            return trained;
        } finally {
            bench.removeAdapters();
        }
    }

    /**
     * Reads finished multi-task training from a run folder.
     *
     * @param runDir the run folder
     * @param manager where the weights go
     * @return the outcome
     * @throws RunFolderException if it has not finished there
     */
    static Multitask read(Path runDir, NDManager manager) {
        return Multitask.read(runDir.resolve(DIR), manager).orElseThrow(() -> new RunFolderException(
                "no finished multi-task training in " + runDir.resolve(DIR) + "; run train first"));
    }

    /** Trains; every {@code snapshot_every} steps before the last, copies the trained parameters into {@code snapshots}. */
    private static List<Float> train(Workbench bench, ExperimentConfig config, String label, Path checkpoints,
            List<AdapterWeights> snapshots) {
        MultitaskConfig mt = config.multitask();
        LanguageModel model = bench.model;
        StepBatches<org.routelab.data.EncodedExample> batches = new StepBatches<>(bench.training, mt.batchSize(), SEED);
        TrainingObjective objective = (step, scope, random) -> {
            TaskBatch b = TaskBatch.of(scope, batches.batch(step), model);
            ForwardContext ctx = bench.routing.context(b, model, ForwardContext.train(random));
            return new TrainingObjective.StepLoss(ctx.plusAuxiliaryLosses(model.loss(b.inputs(), ctx)),
                    b.inputs().targetTokens());
        };
        TrainerConfig trainer = TrainerConfig.papers(mt.steps(), SEED)
                .withCheckpointEvery(checkpoints == null ? 0 : mt.checkpointEvery());
        int snapshotEvery = mt.snapshotEvery();
        try (ProgressPhase phase = Progress.start(label + ": multi-task training", mt.steps())) {
            return new Trainer(trainer, bench.groups(config.multitaskLearningRate(), mt.routingLr()), checkpoints)
                    .run(objective, r -> {
                        phase.update(r.step(), Map.of("loss", r.loss()));
                        if (snapshotEvery > 0 && r.step() % snapshotEvery == 0 && r.step() < r.totalSteps()) {
                            snapshots.add(AdapterWeights.copyOf(arrays(model.trainableParameters()), r.step()));
                        }
                    }).losses();
        }
    }

    private static Map<String, NDArray> arrays(Map<String, Parameter> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.array()));
        return out;
    }
}
