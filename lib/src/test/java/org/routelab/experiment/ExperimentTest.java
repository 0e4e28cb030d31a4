package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.t5.T5Model;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.routing.AdaptationVariant;

class ExperimentTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4);

    @TempDir
    static Path dir;

    private static Path backbone;

    @BeforeAll
    static void smallBackbone() throws IOException {
        backbone = dir.resolve("backbone");
        Path tokenizer = dir.resolve("tokenizer.json");
        SkillComp.writeTokenizer(SMALL, tokenizer);
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = new T5Model(m, BuiltinBackbone.config(SMALL), DataType.FLOAT32);
            model.initialize(3);
            model.save(backbone, tokenizer);
        }
    }

    private static Experiment.Builder tiny(String method) {
        return Experiment.builder().backbone(backbone).suite(SkillComp.generate(SMALL, 5).suite()).method(method)
                .multitaskSteps(3).batchSize(8).adaptation(8, 2, 1e-2f).seeds(0, 1);
    }

    @Test
    void pipelineScoresEveryHeldOutTaskAndSeed() {
        ExperimentResult r = tiny("poly").build().run();
        assertEquals("poly", r.name());
        assertEquals(2, r.accuracyPerTask().size());
        r.accuracyPerTask().values().forEach(a -> assertTrue(a >= 0 && a <= 1, "accuracy " + a));
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
        r.accuracyPerTask().values().forEach(a -> assertTrue(a >= 0 && a <= 1, "accuracy " + a));
        assertEquals(3, r.multitaskLosses().size());
        r.multitaskLosses().forEach(l -> assertTrue(Float.isFinite(l), "loss " + l));
        // full adaptation trains everything multi-task training did: no per-task parameters
        assertEquals(r.trainableMultitask(), r.trainableAdaptation());
    }

    @Test
    void averagingIsRefusedForTaskFreeMethods() {
        var e = assertThrows(IllegalStateException.class,
                () -> tiny("trex").variant(AdaptationVariant.AVERAGE).multitaskSteps(0).seeds(0).build().run());
        assertTrue(e.getMessage().contains("-mu"), e.getMessage());
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
}
