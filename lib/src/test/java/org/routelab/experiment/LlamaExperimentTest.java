package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.testing.SavedBackbones;

/** The experiment pipeline on a decoder-only backbone: a saved tiny Llama folder, as a user's checkpoint would be. */
class LlamaExperimentTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4,
            SkillFamily.SEQUENCE);

    @TempDir
    static Path dir;

    private static Path backbone;

    @BeforeAll
    static void smallLlama() throws IOException {
        backbone = dir.resolve("llama");
        SavedBackbones.write(BuiltinBackbone.Architecture.LLAMA, SMALL, backbone);
    }

    @Test
    void pipelineRunsEndToEndOnALlamaFolder() {
        ExperimentResult r = Experiment.builder().backbone(backbone).suite(SkillComp.generate(SMALL, 5).suite())
                .method("mhr").multitaskSteps(3).batchSize(8).adaptation(8, 2, 1e-2f).seeds(0, 1).build().run();
        assertEquals("mhr", r.name());
        assertEquals(2, r.accuracyPerTask().size());
        ScoredFractions.assertCountsOf(r.accuracyPerTask().values(), 32, 2);
        assertEquals(3, r.multitaskLosses().size());
        r.multitaskLosses().forEach(l -> assertTrue(Float.isFinite(l) && l > 0, "loss " + l));
        // The method went into all 7 projections of the 6 layers (defaults resolved for Llama).
        assertTrue(r.trainableMultitask() > 0);
        assertTrue(r.trainableAdaptation() < r.trainableMultitask());
    }
}
