package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.routelab.method.MethodConfig;
import org.routelab.method.Mhr;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.Granularity;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

class ExperimentConfigTest {
    @Test
    void aConfigSurvivesAJsonRoundTrip() throws Exception {
        ExperimentConfig config = ExperimentConfig.DEFAULT
                .with("method", MethodConfig.defaults("mhr").with("heads", 4).withGranularity(Granularity.BLOCK))
                .with("seeds", List.of(7, 8))
                .with("multitask.lr", 0.01)
                .with("adaptation.variant", AdaptationVariant.ROUTE_ONLY)
                .with("adaptation.shots_per_task", Map.of("b", 3, "a", 5));
        String text = ConfigBinding.MAPPER.writeValueAsString(config);
        JsonNode tree = ConfigBinding.MAPPER.readTree(text);
        ExperimentConfig back = ExperimentConfig.fromJson(tree, "");
        assertEquals(config, back);
        assertEquals(text, ConfigBinding.MAPPER.writeValueAsString(back), "equal configs write the same JSON");
        assertEquals(4, back.method().options(Mhr.Options.class).heads());
        assertEquals(0.01f, back.multitaskLearningRate(), 1e-9f);
    }

    @Test
    void overridesByPathChangeOneValueAndKeepTheRest() {
        ExperimentConfig mhr = ExperimentConfig.DEFAULT.with("method", MethodConfig.defaults("mhr"));
        ExperimentConfig q8 = mhr.with("method.heads", 8);
        assertEquals(8, q8.method().options(Mhr.Options.class).heads());
        assertEquals(mhr.method().options(Mhr.Options.class).skills(), q8.method().options(Mhr.Options.class).skills());
        assertEquals(mhr.multitask(), q8.multitask());
        assertNotEquals(mhr, q8);
        // A null learning rate is the method's; an override replaces it.
        assertEquals(mhr.method().method().learningRates().multitask(), mhr.multitaskLearningRate());
        assertEquals(0.5f, mhr.with("multitask.lr", 0.5).multitaskLearningRate());
    }

    @Test
    void theBinderNamesTheKeyOfEveryProblem() {
        ExperimentConfig d = ExperimentConfig.DEFAULT;
        assertProblem("multitask.stps", "unknown key", () -> d.with("multitask.stps", 3));
        assertProblem("multitask.steps", "must be >= 0", () -> d.with("multitask.steps", -1));
        assertProblem("multitask.steps", "must be an integer", () -> d.with("multitask.steps", 1.5));
        assertProblem("method.heads", "unknown key", () -> d.with("method.heads", 4));
        assertProblem("method", "heads must be positive", () -> d.with("method", MethodConfig.defaults("mhr"))
                .with("method.heads", 0));
        assertProblem("adaptation.variant", "does not support -z", () -> d.with("adaptation.variant", "z"));
        assertProblem("device", "must be auto, cpu, gpu or gpu:N", () -> d.with("device", "tpu"));
        assertProblem("adaptation.shots_per_task.x", "must be >= 1", () -> d.with("adaptation.shots_per_task",
                Map.of("x", 0)));
    }

    private static void assertProblem(String path, String problem, Runnable change) {
        ConfigException e = assertThrows(ConfigException.class, change::run);
        assertEquals(path, e.path(), e.getMessage());
        assertTrue(e.problem().contains(problem), e.getMessage());
    }
}
