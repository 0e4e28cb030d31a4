package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.analysis.AdapterWeights;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.routing.AdaptationVariant;
import org.routelab.testing.SavedBackbones;

class ExperimentTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    @TempDir
    static Path dir;

    private static Path backbone;

    @BeforeAll
    static void smallBackbone() throws IOException {
        backbone = dir.resolve("backbone");
        SavedBackbones.write(BuiltinBackbone.Architecture.T5, SMALL, backbone);
    }

    private static ExperimentBuilder tiny(String method) {
        return Experiment.builder().backbone(backbone).suite(SkillComp.generate(SMALL, 5).suite()).method(method)
                .multitaskSteps(3).batchSize(8).adaptation(8, 2, 1e-2f).seeds(0, 1);
    }

    @Test
    void pipelineScoresEveryHeldOutTaskAndSeed() {
        ExperimentResult r = tiny("poly").build().run();
        assertEquals("poly", r.name());
        assertEquals(2, r.accuracyPerTask().size());
        // 40 examples per held-out task: 8 shots, 32 scored, seeds 0 and 1.
        ScoredFractions.assertCountsOf(r.accuracyPerTask().values(), 32, 2);
        assertEquals(3, r.multitaskLosses().size());
        assertTrue(r.trainableMultitask() > 0);
        // full adaptation trains the experts and one task's logits: fewer than the multi-task logits of 8 tasks
        assertTrue(r.trainableAdaptation() < r.trainableMultitask());
        var perTask = ResultTables.perTask(r);
        assertEquals(2, perTask.rowCount());
        assertEquals(java.util.List.of("task", "seed 0", "seed 1", "median"), perTask.columnNames());
        var comparison = ResultTables.comparison(java.util.List.of(r, r));
        assertEquals(2, comparison.rowCount());
        assertEquals(r.meanAccuracy(), comparison.doubleColumn("mean").get(0), 1e-12);
    }

    /** Task-free methods run the whole pipeline without task ids; T-REX's intuition is fitted on the way. */
    @ParameterizedTest
    @ValueSource(strings = {"moe-lora", "orchmoe", "trex"})
    void taskFreeMethodsScoreHeldOutTasks(String method) {
        ExperimentResult r = tiny(method).seeds(0).build().run();
        assertEquals(method, r.name());
        assertEquals(2, r.accuracyPerTask().size());
        ScoredFractions.assertCountsOf(r.accuracyPerTask().values(), 32, 1);
        assertEquals(3, r.multitaskLosses().size());
        r.multitaskLosses().forEach(l -> assertTrue(Float.isFinite(l), "loss " + l));
        // full adaptation trains everything multi-task training did: no per-task parameters
        assertEquals(r.trainableMultitask(), r.trainableAdaptation());
    }

    @Test
    void runsRepeatExactlyWhateverTheEngineDrewBefore() {
        ExperimentResult first = tiny("lora").build().run();
        try (NDManager m = NDManager.newBaseManager()) {
            m.randomNormal(new Shape(1000)); // moves the engine's generator
        }
        ExperimentResult second = tiny("lora").build().run();
        assertEquals(first.multitaskLosses(), second.multitaskLosses());
        assertEquals(first.accuracyPerTask(), second.accuracyPerTask());
    }

    /**
     * Two different experiments on two threads of one JVM each draw from their own random streams (the
     * Gumbel noise of Poly's routers, T-REX's initialisation and k-means, shuffling, few-shot samples),
     * so each gets, bit for bit, what it gets alone.
     */
    @Test
    void twoExperimentsOnTwoThreadsMatchEachRunAlone() throws Exception {
        Experiment poly = tiny("poly").seeds(0).build();
        Experiment trex = tiny("trex").variant(AdaptationVariant.ROUTE_ONLY).seeds(1).build();
        ExperimentResult polyAlone = poly.run();
        ExperimentResult trexAlone = trex.run();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<ExperimentResult> polyTogether = threads.submit(() -> poly.run());
            Future<ExperimentResult> trexTogether = threads.submit(() -> trex.run());
            assertSameRun(polyAlone, polyTogether.get());
            assertSameRun(trexAlone, trexTogether.get());
        } finally {
            threads.shutdownNow();
        }
    }

    private static void assertSameRun(ExperimentResult alone, ExperimentResult together) {
        assertEquals(alone.multitaskLosses(), together.multitaskLosses());
        assertEquals(alone.accuracyPerTask(), together.accuracyPerTask());
        for (int i = 0; i < alone.adaptation().size(); i++) {
            assertEquals(alone.adaptation().get(i).losses(), together.adaptation().get(i).losses());
        }
        AdapterWeights a = alone.multitaskWeights();
        AdapterWeights b = together.multitaskWeights();
        assertEquals(a.names(), b.names());
        for (String name : a.names()) {
            assertArrayEquals(a.values(name), b.values(name), 0f, name);
        }
    }

    @Test
    void gradientAlignmentIsMeasuredWithoutChangingTraining() {
        ExperimentResult plain = tiny("poly").multitaskSteps(5).seeds(0).build().run();
        ExperimentResult probed = tiny("poly").multitaskSteps(5).seeds(0).gradientAlignment(2, 4).build().run();
        // the probes leave no gradient behind and draw no random numbers: training is the same
        assertEquals(plain.multitaskLosses(), probed.multitaskLosses());
        assertEquals(plain.accuracyPerTask(), probed.accuracyPerTask());
        assertTrue(plain.gradientAlignment().isEmpty());
        var alignment = probed.gradientAlignment();
        assertEquals(java.util.List.of(2, 4, 5), alignment.steps());
        int tasks = SkillComp.generate(SMALL, 5).suite().numTrainingTasks();
        for (var similarity : alignment.similarities()) {
            assertEquals(tasks, similarity.labels().size());
            for (int i = 0; i < tasks; i++) {
                assertEquals(1, similarity.matrix()[i][i], 1e-9);
                for (double c : similarity.matrix()[i]) {
                    assertTrue(c >= -1 - 1e-9 && c <= 1 + 1e-9, "cosine " + c);
                }
            }
        }
        assertEquals(3, alignment.meanOverPairs().length);
    }

    @Test
    void transferScoresEveryTaskUnderEveryTasksRouting() {
        Experiment poly = tiny("poly").seeds(0).build();
        ExperimentResult trained = poly.run();
        var transfer = poly.transfer(trained, 4);
        var own = poly.evaluateTraining(null, 4);
        assertEquals(java.util.List.copyOf(own.keySet()), transfer.tasks());
        for (int i = 0; i < transfer.tasks().size(); i++) {
            // the diagonal is each task under its own routing: what evaluateTraining scores
            assertEquals(own.get(transfer.tasks().get(i)), transfer.accuracy()[i][i], 1e-12);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> tiny("lora").build().transfer(trained, 4));
        assertTrue(e.getMessage().contains("does not route by task"), e.getMessage());
    }

    @Test
    void averagingIsRefusedForTaskFreeMethods() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> tiny("trex").variant(AdaptationVariant.AVERAGE).multitaskSteps(0).seeds(0).build());
        assertTrue(e.getMessage().contains("adaptation.variant") && e.getMessage().contains("-mu"), e.getMessage());
    }

    @Test
    void routeOnlyAdaptationTrainsOnlyLogitsAndFreshRunsSkipMultitaskTraining() {
        ExperimentResult z = tiny("poly").variant(AdaptationVariant.ROUTE_ONLY).build().run();
        assertEquals("poly-z", z.name());
        ExperimentResult full = tiny("poly").build().run();
        assertTrue(z.trainableAdaptation() < full.trainableAdaptation() / 10,
                z.trainableAdaptation() + " vs " + full.trainableAdaptation());
        ExperimentResult fresh = tiny("lora").multitaskSteps(0).build().run();
        assertEquals("lora-fresh", fresh.name());
        assertEquals(0, fresh.multitaskLosses().size());
        assertEquals(0, fresh.trainableMultitask());
    }

    @Test
    void runFolderResumesFromItsLastCheckpointAndResultsReadBack() throws IOException {
        Path out = dir.resolve("run");
        Experiment e = tiny("poly").multitaskSteps(4).checkpointEvery(2).build();
        ExperimentResult r = e.run(out);
        Path multitask = out.resolve("multitask");
        byte[] finished = Files.readAllBytes(multitask.resolve("adapters.safetensors"));
        assertEquals(4, r.multitaskLosses().size());

        // A crash after the step-2 checkpoint: training resumes there and ends with the same weights.
        Path metrics = multitask.resolve("metrics.jsonl");
        List<String> logged = Files.readAllLines(metrics);
        Files.writeString(multitask.resolve("checkpoints/latest"), "step-0000002");
        Files.delete(multitask.resolve("multitask.json"));
        assertEquals(r.multitaskLosses(), e.train(out), "the loss curve covers the whole training");
        assertArrayEquals(finished, Files.readAllBytes(multitask.resolve("adapters.safetensors")));
        List<String> relogged = Files.readAllLines(metrics);
        assertEquals(logged.subList(0, 2), relogged.subList(0, 2), "steps 1-2 (with their timings) did not run again");
        assertEquals(4, relogged.size());

        // Adaptation from the saved adapters reproduces the in-memory run; results read back whole.
        ExperimentResult again = e.adapt(out);
        assertEquals(r.accuracyPerTask(), again.accuracyPerTask());
        ExperimentResult read = ResultFiles.read(out);
        assertEquals(again.accuracyPerTask(), read.accuracyPerTask());
        assertEquals(again.multitaskLosses(), read.multitaskLosses());
        assertEquals(again.adaptation(), read.adaptation());
        assertEquals(again.trainableAdaptation(), read.trainableAdaptation());
        assertTrue(Files.readString(out.resolve("results.csv")).startsWith("task,seed,accuracy\n"));

        Map<String, Double> fit = e.evaluateTraining(out, 5);
        assertEquals(8, fit.size());
        ScoredFractions.assertCountsOf(fit.values(), 5, 1);
    }

    @Test
    void adaptingWithoutFinishedTrainingNamesTheFolder() {
        Path out = dir.resolve("empty-run");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tiny("poly").build().adapt(out));
        assertTrue(e.getMessage().contains(out.resolve("multitask").toString()), e.getMessage());
    }

    @Test
    void bestValidationKeepsTheWeightsOfTheBestEvaluation() {
        ExperimentResult last = tiny("lora").multitaskSteps(0).adaptation(8, 4, 3e-2f).validation(1, 8, false)
                .build().run();
        ExperimentResult best = tiny("lora").multitaskSteps(0).adaptation(8, 4, 3e-2f).validation(1, 8, true)
                .build().run();
        for (AdaptationCurve c : last.adaptation()) {
            assertEquals(List.of(1, 2, 3, 4), c.evaluatedSteps());
            assertEquals(4, c.keptStep());
            assertEquals(4, c.losses().size());
        }
        for (int i = 0; i < best.adaptation().size(); i++) {
            AdaptationCurve c = best.adaptation().get(i);
            assertEquals(last.adaptation().get(i).validationAccuracy(), c.validationAccuracy(),
                    "evaluation does not disturb training");
            double top = c.validationAccuracy().stream().mapToDouble(d -> d).max().orElseThrow();
            assertEquals(c.validationAccuracy().indexOf(top) + 1, c.keptStep(), "first best evaluation is kept");
        }
    }

    @Test
    void variantsShareOneMultitaskTraining() {
        List<ExperimentResult> rs = tiny("poly").name("p").snapshotEvery(1).build()
                .runVariants(AdaptationVariant.FULL, AdaptationVariant.ROUTE_ONLY, AdaptationVariant.AVERAGE);
        assertEquals(List.of("p", "p-z", "p-mu"), rs.stream().map(ExperimentResult::name).toList());
        assertEquals("poly-mu", tiny("poly").variant(AdaptationVariant.AVERAGE).build().name());
        assertEquals("mine", tiny("poly").name("mine").variant(AdaptationVariant.AVERAGE).build().name(),
                "a given name is the experiment's own variant's");
        for (ExperimentResult r : rs) {
            assertEquals(rs.get(0).multitaskLosses(), r.multitaskLosses(), "one multi-task training");
            assertEquals(2, r.accuracyPerTask().size());
        }
        assertTrue(rs.get(1).trainableAdaptation() < rs.get(2).trainableAdaptation());
        ExperimentResult z = tiny("poly").variant(AdaptationVariant.ROUTE_ONLY).build().run();
        assertEquals(z.trainableAdaptation(), rs.get(1).trainableAdaptation());

        // Snapshots every step before the last; the last step is the result's trained weights.
        ExperimentResult r = rs.get(0);
        assertEquals(List.of(1, 2), r.multitaskSnapshots().stream().map(AdapterWeights::step).toList());
        assertEquals(3, r.multitaskWeights().step());
        assertEquals(r.multitaskWeights().names(), r.multitaskSnapshots().get(0).names());
        assertTrue(r.multitaskWeights().names().stream().anyMatch(n -> n.endsWith(".router.module_logits")));
        assertTrue(r.toString().startsWith("p ("), r.toString());
        assertEquals(3, r.notebookParts().size(), "table, multi-task curve, adaptation curve");
        assertTrue(tiny("lora").multitaskSteps(0).build().run().multitaskWeights().isEmpty());
    }

    @Test
    void resultsReadFromARunFolderCarryItsTrainedWeights() {
        Path out = dir.resolve("weights-run");
        ExperimentResult r = tiny("mhr").build().run(out);
        ExperimentResult read = ResultFiles.read(out);
        assertEquals(r.multitaskWeights().names(), read.multitaskWeights().names());
        String name = read.multitaskWeights().names().iterator().next();
        assertArrayEquals(r.multitaskWeights().values(name), read.multitaskWeights().values(name));
        assertTrue(read.multitaskSnapshots().isEmpty());
        assertTrue(ResultFiles.read(dir.resolve("weights-run/results.json")).multitaskWeights().names().contains(name));
    }
}
