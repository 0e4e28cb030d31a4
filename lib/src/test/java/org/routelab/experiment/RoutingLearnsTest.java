package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.analysis.RoutingMaps;
import org.routelab.analysis.Similarity;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.method.MethodConfig;
import org.routelab.testing.SavedBackbones;

/**
 * The pipeline learns routing: after multi-task training on SkillComp (swaps, whose inputs do not say
 * the task), Poly routes two training tasks that share a skill more alike than two that share none.
 */
class RoutingLearnsTest {
    /** 12 symbols, 6 swap skills, 2 per task, 12 training tasks of 48 examples. */
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 6, 2, 12, 2, 48, 40, 4, 5, 4,
            SkillFamily.SWAPS);
    private static final int SKILLS = 4;

    @TempDir
    Path dir;

    @Test
    void polyRoutesTasksThatShareASkillMoreAlike() throws IOException {
        Path backbone = dir.resolve("backbone");
        SavedBackbones.write(BuiltinBackbone.Architecture.T5, SMALL, backbone);
        SkillComp skillcomp = SkillComp.generate(SMALL, 1);
        ExperimentResult r = Experiment.builder().backbone(backbone).suite(skillcomp.suite())
                .method(MethodConfig.defaults("poly").with("skills", SKILLS))
                .multitaskSteps(60).batchSize(32).adaptation(4, 1).seeds(0).build().run();
        Similarity routing = Similarity.centredCosine(skillcomp.suite().trainingNames(),
                RoutingMaps.profiles(RoutingMaps.taskRouters(r.multitaskWeights(), SKILLS)));
        Similarity.Split split = routing.meanBy(
                (a, b) -> !Collections.disjoint(skillcomp.composition(a), skillcomp.composition(b)));
        assertTrue(split.related() > split.unrelated(), "routing similarity of tasks sharing a skill "
                + split.related() + ", of the others " + split.unrelated());
    }
}
