package org.routelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

class TrainerTest {
    @TempDir
    Path dir;

    @Test
    void scheduleWarmsUpThenDecaysLinearly() {
        LearningRateSchedule s = LearningRateSchedule.withWarmupFraction(100, 0.06);
        assertEquals(6, s.warmupSteps());
        assertEquals(1f / 6, s.factor(0), 1e-7);
        assertEquals(1f, s.factor(5), 1e-7);
        assertEquals(1f, s.factor(6), 1e-7);
        assertEquals(47f / 94, s.factor(53), 1e-7);
        assertEquals(1f / 94, s.factor(99), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(10, 10));
    }

    @Test
    void clippingScalesToTheMaximumGlobalNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 0f});
            NDArray b = m.create(new float[] {4f});
            double norm = GradientClipping.norm(List.of(a, b)).getDouble();
            assertEquals(5.0, norm, 1e-6);
            GradientClipping.clip(List.of(a, b), norm, 1f);
            assertArrayEquals(new float[] {0.6f, 0f}, a.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.8f}, b.toFloatArray(), 1e-6f);
            norm = GradientClipping.norm(List.of(a, b)).getDouble();
            assertEquals(1.0, norm, 1e-5);
            GradientClipping.clip(List.of(a, b), norm, 2f);
            assertArrayEquals(new float[] {0.8f}, b.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void adafactorTrainingLowersTheLossAndFrozenGroupsStayPut() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = model(m);
            Map<String, Parameter> trainable = model.trainableParameters();
            Map<String, Parameter> a = new LinkedHashMap<>();
            Map<String, Parameter> b = new LinkedHashMap<>();
            trainable.forEach((k, p) -> (k.startsWith("encoder") ? a : b).put(k, p));
            float[] frozenBefore = a.values().iterator().next().array().toFloatArray();
            Trainer trainer = new Trainer(TrainerConfig.papers(30, 3),
                    List.of(new ParameterGroup("encoder", 0f, a), new ParameterGroup("decoder", 3e-2f, b)), null);
            List<Float> losses = trainer.run(objective(model), Trainer.StepListener.NONE).losses();
            assertEquals(30, losses.size());
            assertTrue(losses.get(29) < 0.7f * losses.get(0), "losses " + losses);
            assertArrayEquals(frozenBefore, a.values().iterator().next().array().toFloatArray(), 0f);
        }
    }

    @Test
    void trainsOnAThreadOfItsOwn() throws Exception {
        // A new thread starts with PyTorch's grad mode on (notebook kernels run each cell on one).
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = model(m);
            Trainer trainer = new Trainer(TrainerConfig.papers(2, 3),
                    List.of(new ParameterGroup("all", 3e-2f, model.trainableParameters())), null);
            List<Throwable> failures = new ArrayList<>();
            for (int run = 0; run < 2; run++) {
                Thread t = new Thread(() -> trainer.run(objective(model), Trainer.StepListener.NONE));
                t.setUncaughtExceptionHandler((thread, e) -> failures.add(e));
                t.start();
                t.join();
            }
            assertEquals(List.of(), failures);
        }
    }

    @Test
    void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws IOException {
        Map<String, float[]> uninterrupted = trainToEnd(dir.resolve("a"), -1);
        Path resumedDir = dir.resolve("b");
        var e = assertThrows(TrainingInterruptedException.class, () -> trainToEnd(resumedDir, 3));
        assertEquals(4, e.completedSteps());
        assertTrue(Files.isDirectory(resumedDir.resolve("checkpoints/step-0000004")));
        Map<String, float[]> resumed = trainToEnd(resumedDir, -1);
        assertEquals(uninterrupted.keySet(), resumed.keySet());
        uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0f, k));
        List<String> lines = Files.readAllLines(resumedDir.resolve("metrics.jsonl"));
        assertEquals(6, lines.size());
        assertTrue(lines.get(5).startsWith("{\"step\":6,\"loss\":"), lines.get(5));
        assertTrue(lines.get(0).contains("\"lr_adapter\""), lines.get(0));
    }

    @Test
    void aStopRequestCheckpointsAtTheNextStepBoundaryAndATornMetricsLineIsDroppedOnResume() throws IOException {
        Map<String, float[]> uninterrupted = trainToEnd(dir.resolve("c"), -1);
        Path out = dir.resolve("d");
        TrainingInterruptedException e;
        try {
            e = assertThrows(TrainingInterruptedException.class, () -> trainToEnd(out, 2, StopRequest::request));
        } finally {
            StopRequest.clear();
        }
        assertEquals(3, e.completedSteps());
        assertTrue(e.getMessage().contains("checkpoint " + out.resolve("checkpoints/step-0000003")
                + " written; the same command resumes at step 4"), e.getMessage());
        // A full disk cut the next record short: resuming drops it and ends as the uninterrupted run.
        Files.writeString(out.resolve(MetricsLog.FILE), "{\"step\":4,\"loss\":2.71", StandardOpenOption.APPEND);
        Map<String, float[]> resumed = trainToEnd(out, -1);
        uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0f, k));
        assertEquals(6, MetricsLog.losses(out.resolve(MetricsLog.FILE)).size());
        // A broken line before the last one cannot be a cut-short write: an error naming the line and the way out.
        List<String> lines = new ArrayList<>(Files.readAllLines(out.resolve(MetricsLog.FILE)));
        lines.set(1, "{\"step\":2,");
        Files.write(out.resolve(MetricsLog.FILE), lines);
        var broken = assertThrows(org.routelab.backbone.checkpoint.CheckpointException.class,
                () -> MetricsLog.losses(out.resolve(MetricsLog.FILE)));
        assertTrue(broken.getMessage().startsWith(out.resolve(MetricsLog.FILE) + " line 2: not a step record")
                && broken.getMessage().contains("delete that line"), broken.getMessage());
    }

    /**
     * A step whose loss is NaN (from step 5) or whose gradients are infinite stops the run before it
     * changes a weight: the weights are those after the last good step, and so is the last checkpoint.
     */
    @Test
    void aNonFiniteStepStopsTheRunBeforeChangingAnyWeight() {
        for (boolean badGradient : new boolean[] {false, true}) {
            Path out = dir.resolve(badGradient ? "gradient" : "loss");
            try (NDManager m = NDManager.newBaseManager()) {
                T5Model model = model(m);
                TrainerConfig config = new TrainerConfig(6, TrainerConfig.OptimizerKind.ADAMW, 0.2, 1f, 0.01f, 2, 2, 5);
                Trainer trainer = new Trainer(config,
                        List.of(new ParameterGroup("adapter", 1e-2f, model.trainableParameters())), out);
                TrainingObjective base = objective(model);
                Map<String, float[]> afterStep4 = new LinkedHashMap<>();
                var e = assertThrows(NonFiniteStepException.class, () -> trainer.run((step, scope, random) -> {
                    TrainingObjective.StepLoss l = base.loss(step, scope, random);
                    if (step < 4) {
                        return l;
                    }
                    model.trainableParameters().forEach((k, p) -> afterStep4.put(k, p.array().toFloatArray()));
                    // sqrt at 0: a finite loss (0) whose gradient is infinite; or a NaN loss.
                    NDArray bad = badGradient ? l.loss().sub(l.loss()).sqrt() : l.loss().mul(Float.NaN);
                    return new TrainingObjective.StepLoss(l.loss().mul(0f).add(bad), l.tokens());
                }, Trainer.StepListener.NONE));
                assertEquals(5, e.step());
                assertTrue(e.getMessage().startsWith("step 5: ") && e.getMessage().contains(badGradient
                        ? "gradients' norm is " : "loss is NaN"), e.getMessage());
                model.trainableParameters().forEach((k, p) -> assertArrayEquals(afterStep4.get(k),
                        p.array().toFloatArray(), 0f, k));
                Map<String, Parameter> restored = model(m).trainableParameters();
                Path last = new TrainingCheckpoint(out).latest().orElseThrow();
                assertTrue(last.endsWith("step-0000004"), last.toString());
                TrainingCheckpoint.restore(last, restored, AdamW.withWeightDecay(m, 0.01f));
                restored.forEach((k, p) -> {
                    for (float v : p.array().toFloatArray()) {
                        assertTrue(Float.isFinite(v), k);
                    }
                });
            }
        }
    }

    /** Trains 6 steps with AdamW and dropout, checkpointing every 2; interrupts during step {@code stopAt}. */
    private static Map<String, float[]> trainToEnd(Path out, int stopAt) {
        return trainToEnd(out, stopAt, () -> Thread.currentThread().interrupt());
    }

    /** Trains as above; runs {@code stop} during step {@code stopAt}. */
    private static Map<String, float[]> trainToEnd(Path out, int stopAt, Runnable stop) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = model(m);
            TrainerConfig config = new TrainerConfig(6, TrainerConfig.OptimizerKind.ADAMW, 0.2, 1f, 0.01f, 2, 2, 5);
            Trainer trainer = new Trainer(config, List.of(new ParameterGroup("adapter", 1e-2f, model.trainableParameters())), out);
            TrainingObjective base = objective(model);
            trainer.run((step, scope, random) -> {
                if (step == stopAt) {
                    stop.run();
                }
                return base.loss(step, scope, random);
            }, Trainer.StepListener.NONE);
            Map<String, float[]> weights = new LinkedHashMap<>();
            model.trainableParameters().forEach((k, p) -> weights.put(k, p.array().toFloatArray()));
            return weights;
        }
    }

    private static T5Model model(NDManager m) {
        T5Model model = new T5Model(m, TinyT5.config(true, 0.1), DataType.FLOAT32);
        model.initialize(9);
        new LoraConfig(4, 8f, 0.05f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS).inject(model, RandomStream.of(0), DataType.FLOAT32);
        return model;
    }

    /** Reverse four random symbols; the batch of a step depends on the step alone. */
    private static TrainingObjective objective(T5Model model) {
        return (step, scope, random) -> {
            Random rnd = new Random(step % 4);
            List<long[]> in = new ArrayList<>();
            List<long[]> out = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long[] x = new long[5];
                long[] y = new long[5];
                for (int j = 0; j < 4; j++) {
                    x[j] = 2 + rnd.nextInt(TinyT5.VOCAB - 2);
                }
                for (int j = 0; j < 4; j++) {
                    y[j] = x[3 - j];
                }
                x[4] = 1;
                y[4] = 1;
                in.add(x);
                out.add(y);
            }
            return new TrainingObjective.StepLoss(
                    model.loss(Seq2SeqBatch.of(scope, in, out, 0, 0), ForwardContext.train(random)), 40);
        };
    }

}
