package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.interop.AdapterExport;
import org.routelab.interop.ExportFormat;
import org.routelab.util.ConfigException;
import org.routelab.testing.SavedBackbones;

/** A notebook result exports to PEFT, and the adapter brought back in scores exactly as the trained model did. */
class ExperimentInteropTest {
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lora", "mhr"})
    void exportedThenImportedAdaptersScoreTheSame(String method) {
        TaskSuite suite = SkillComp.generate(SMALL, 5).suite();
        Experiment trained = Experiment.builder().backbone(backbone).suite(suite).method(method).multitaskSteps(3)
                .batchSize(8).adaptation(8, 1, 1e-2f).seeds(0).build();
        ExperimentResult result = trained.run();
        Path out = dir.resolve("peft-" + method);
        AdapterExport.Outcome o = trained.export(result, ExportFormat.PEFT, null, out);
        assertEquals("lora".equals(method) ? "PEFT LORA" : "PEFT POLY", o.layout());

        Experiment imported = Experiment.builder().backbone(backbone).suite(suite).adapters(out)
                .adaptation(8, 1, 1e-2f).seeds(0).build();
        ConfigException other = assertThrows(ConfigException.class, () -> Experiment.builder().backbone(backbone)
                .suite(suite).method("tlora").adapters(out).build());
        assertTrue(other.getMessage().contains("decides the method"), other.getMessage());
        Map<String, Double> original = trained.evaluateTraining(null, 6);
        Map<String, Double> again = imported.evaluateTraining(null, 6);
        assertEquals(original, again);
        ExperimentResult adapted = imported.run();
        assertEquals("peft-" + method, adapted.name());
        assertEquals(2, adapted.accuracyPerTask().size());
        assertTrue(adapted.multitaskLosses().isEmpty());
    }
}
