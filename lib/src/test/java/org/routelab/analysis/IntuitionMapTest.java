package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;

class IntuitionMapTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    @TempDir
    Path dir;

    @Test
    void everyTrainingExampleIsMappedToItsNearestCluster() throws Exception {
        Path backbone = dir.resolve("backbone");
        Path tokenizer = dir.resolve("tokenizer.json");
        SkillComp.writeTokenizer(SMALL, tokenizer);
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.create(BuiltinBackbone.Architecture.T5.config(SMALL), m, DataType.FLOAT32);
            model.initialize(3);
            model.save(backbone, tokenizer);
        }
        TaskSuite suite = SkillComp.generate(SMALL, 5).suite();
        MethodConfig trex = MethodConfig.defaults("trex");
        trex = trex.with("down", 2).with("up", 3);
        IntuitionMap map = IntuitionMap.of(backbone, suite, trex);
        assertEquals(suite.trainingNames(), map.tasks());
        assertEquals(6, map.clusters());
        for (int t = 0; t < suite.numTrainingTasks(); t++) {
            assertEquals(suite.training().get(t).size(), Arrays.stream(map.nearest()[t]).sum());
            assertEquals(6, map.meanPrior()[t].length);
        }
        double purity = map.taskPurity();
        assertTrue(purity > 0 && purity <= 1, "purity " + purity);
        int[] perCluster = map.tasksPerCluster();
        assertEquals(6, perCluster.length);
        assertTrue(Arrays.stream(perCluster).allMatch(n -> n >= 0 && n <= suite.numTrainingTasks()));
        assertTrue(Arrays.stream(perCluster).sum() >= suite.numTrainingTasks(), "every task has a nearest cluster");
        assertEquals(IntuitionMap.of(backbone, suite, trex).meanPrior()[0][0], map.meanPrior()[0][0], 1e-9,
                "the fit is seeded");
    }
}
