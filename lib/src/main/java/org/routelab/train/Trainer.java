package org.routelab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.nn.RandomStream;

/**
 * Runs training steps: forward and backward of an objective, global gradient clipping, the warm-up
 * and decay schedule, per-group learning rates, an optimiser update, and, with an output folder,
 * metrics and checkpoints. A run with an output folder that already holds a checkpoint resumes from
 * it; because every step draws from its own random stream of (seed, step) and objectives derive batches
 * from the step index, a resumed run ends with the same weights as an uninterrupted one. An
 * interrupted thread or a {@link StopRequest} stops the run between steps, after writing a checkpoint.
 */
public final class Trainer {
    private final TrainerConfig config;
    private final List<ParameterGroup> groups;
    private final List<ParameterStack> stacks;
    private final Path outputDir;

    /**
     * Creates a trainer.
     *
     * @param config the run's settings
     * @param groups the trained parameters with their learning rates (disjoint)
     * @param outputDir where metrics and checkpoints go, or null for an in-memory run
     */
    public Trainer(TrainerConfig config, List<ParameterGroup> groups, Path outputDir) {
        this.config = config;
        this.groups = List.copyOf(groups);
        this.outputDir = outputDir;
        if (trainable().isEmpty()) {
            throw new IllegalArgumentException("nothing to train: every parameter group is empty");
        }
        this.stacks = ParameterStack.of(this.groups);
    }

    /**
     * Trains.
     *
     * @param objective the loss of each step
     * @param listener told about every completed step (progress display)
     * @return the losses of the steps this call ran and where the last checkpoint is
     * @throws TrainingInterruptedException if the thread was interrupted or a stop requested between steps
     */
    public Result run(TrainingObjective objective, StepListener listener) {
        Map<String, org.routelab.nn.Parameter> trainable = trainable();
        NDManager manager = trainable.values().iterator().next().array().getManager();
        LearningRateSchedule schedule = LearningRateSchedule.withWarmupFraction(config.steps(), config.warmupFraction());
        TrainingCheckpoint checkpoints = outputDir == null ? null : new TrainingCheckpoint(outputDir);
        MetricsLog metrics = null;
        // PyTorch's grad mode is per thread and on in a new thread; DJL's collector switches it back off
        // after backward only if it was off before, so on any thread but the engine's first (a notebook
        // cell's, say) the in-place updates below would be recorded and refused. Start with it off.
        if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
            JniUtils.setGradMode(false);
        }
        try (Optimizer optimizer = newOptimizer(manager)) {
            StepUpdate update = new StepUpdate(stacks, optimizer, config.maxGradNorm());
            Path last = checkpoints == null ? null : checkpoints.latest().orElse(null);
            int start = last == null ? 0 : TrainingCheckpoint.restore(last, trainable, optimizer).get("step").getAsInt();
            if (outputDir != null) {
                metrics = MetricsLog.open(outputDir.resolve(MetricsLog.FILE), start);
            }
            List<Float> losses = new ArrayList<>();
            long runStart = System.nanoTime();
            for (int step = start; step < config.steps(); step++) {
                if (Thread.interrupted() || StopRequest.isRequested()) {
                    Path saved = checkpoints == null ? null : save(checkpoints, step, trainable, optimizer);
                    throw new TrainingInterruptedException(step, config.steps(), saved);
                }
                long t0 = System.nanoTime();
                float loss;
                long tokens;
                try (NDManager scope = manager.newSubManager()) {
                    TrainingObjective.StepLoss l;
                    try (StepGradients gc = new StepGradients()) {
                        l = objective.loss(step, scope, RandomStream.of(config.seed(), step));
                        gc.backward(l.loss());
                    }
                    tokens = l.tokens();
                    loss = update.apply(step, l.loss(), schedule.factor(step), scope);
                }
                losses.add(loss);
                double seconds = (System.nanoTime() - t0) / 1e9;
                StepReport report = new StepReport(step + 1, config.steps(), loss, schedule.factor(step),
                        tokens / seconds, (System.nanoTime() - runStart) / 1e9);
                if (metrics != null) {
                    metrics.append(report, groups, manager.getDevice());
                }
                listener.onStep(report);
                boolean due = config.checkpointEvery() > 0 && (step + 1) % config.checkpointEvery() == 0;
                if (checkpoints != null && (due || step + 1 == config.steps())) {
                    last = save(checkpoints, step + 1, trainable, optimizer);
                }
            }
            return new Result(losses, last);
        } finally {
            if (metrics != null) {
                metrics.close();
            }
        }
    }

    private Path save(TrainingCheckpoint checkpoints, int step, Map<String, org.routelab.nn.Parameter> trainable,
            Optimizer optimizer) {
        JsonObject state = new JsonObject();
        state.addProperty("seed", config.seed());
        state.addProperty("total_steps", config.steps());
        // File channels abort on interrupt: write with the flag cleared (retrying once if an interrupt
        // arrives mid-write), then restore it so the run still stops.
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 0;; attempt++) {
                try {
                    return checkpoints.write(step, trainable, optimizer, state, config.keepCheckpoints());
                } catch (IOException | RuntimeException e) {
                    if (attempt == 0 && causedByInterrupt(e)) {
                        interrupted |= Thread.interrupted();
                        continue;
                    }
                    if (e instanceof IOException) {
                        throw new UncheckedIOException(
                                "cannot write checkpoint at step " + step + " under " + outputDir, (IOException) e);
                    }
                    throw (RuntimeException) e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean causedByInterrupt(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    private Optimizer newOptimizer(NDManager manager) {
        return switch (config.optimizer()) {
            case ADAFACTOR -> new Adafactor(manager, config.weightDecay());
            case ADAMW -> AdamW.withWeightDecay(manager, config.weightDecay());
        };
    }

    private Map<String, org.routelab.nn.Parameter> trainable() {
        Map<String, org.routelab.nn.Parameter> out = new LinkedHashMap<>();
        for (ParameterGroup g : groups) {
            g.parameters().forEach((name, p) -> {
                if (out.put(name, p) != null) {
                    throw new IllegalArgumentException("parameter '" + name + "' is in more than one group");
                }
            });
        }
        return out;
    }

    /**
     * What a run did.
     *
     * @param losses the loss of every step this call ran
     * @param lastCheckpoint the newest checkpoint, or null without an output folder
     */
    public record Result(List<Float> losses, Path lastCheckpoint) {}

    /**
     * A completed step.
     *
     * @param step the number of completed steps
     * @param totalSteps the run's total
     * @param loss the step's loss
     * @param learningRateFactor the schedule's factor for the step
     * @param tokensPerSecond target tokens per second of the step
     * @param elapsedSeconds seconds since this call started
     */
    public record StepReport(int step, int totalSteps, float loss, float learningRateFactor, double tokensPerSecond,
            double elapsedSeconds) {}

    /** Receives a report after every step. */
    @FunctionalInterface
    public interface StepListener {
        /** A listener that ignores reports. */
        StepListener NONE = report -> { };

        /**
         * Called after a step.
         *
         * @param report the step's figures
         */
        void onStep(StepReport report);
    }
}
