package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.data.Example;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;

class NotebookScaleTest {
    private static Task task(String name, int examples) {
        List<Example> list = new java.util.ArrayList<>();
        for (int i = 0; i < examples; i++) {
            list.add(Example.of(name, "in " + i, "out " + i));
        }
        return new Task(name, list);
    }

    @Test
    void parsesNamesCaseInsensitivelyWithDefaultForNothing() {
        assertSame(NotebookScale.DEFAULT, NotebookScale.parse(null));
        assertSame(NotebookScale.DEFAULT, NotebookScale.parse(" "));
        assertSame(NotebookScale.SMOKE, NotebookScale.parse("Smoke"));
        assertSame(NotebookScale.FULL, NotebookScale.parse("full\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NotebookScale.parse("huge"));
        assertTrue(e.getMessage().contains(NotebookScale.ENV) && e.getMessage().contains("huge"), e.getMessage());
        assertEquals("smoke", NotebookScale.SMOKE.toString());
    }

    @Test
    void picksTheValueOfItsScale() {
        assertEquals(1, NotebookScale.SMOKE.pick(1, 2, 3));
        assertEquals(2, NotebookScale.DEFAULT.pick(1, 2, 3));
        assertEquals(List.of(3), NotebookScale.FULL.pick(List.of(1), List.of(2), List.of(3)));
    }

    @Test
    void trimsHeldOutTasksAndScoredExamplesButNeverTrainingTasks() {
        TaskSuite suite = new TaskSuite(List.of(task("t0", 10), task("t1", 10)),
                List.of(task("h0", 200), task("h1", 200), task("h2", 200), task("h3", 10)));
        TaskSuite smoke = NotebookScale.SMOKE.trim(suite, 8);
        assertEquals(suite.training(), smoke.training());
        assertEquals(List.of("h0", "h1"), smoke.heldoutNames());
        smoke.heldout().forEach(t -> assertTrue(t.size() < 200 && t.size() > 8, t.name() + ": " + t.size()));
        assertEquals(suite.heldout().get(0).examples().subList(0, smoke.heldout().get(0).size()),
                smoke.heldout().get(0).examples(), "the first examples are kept");
        assertEquals(suite, NotebookScale.FULL.trim(suite, 8));
        assertTrue(NotebookScale.DEFAULT.describe().startsWith("default: "), NotebookScale.DEFAULT.describe());
    }

    /** The full scale's builder makes the built-in default protocol (the phases' configs and seeds). */
    @Test
    void fullScaleBuildsTheDefaultProtocol() {
        ExperimentConfig full = NotebookScale.FULL.experiment().method("lora").build().config();
        assertEquals(ExperimentConfig.DEFAULT.multitask(), full.multitask());
        assertEquals(ExperimentConfig.DEFAULT.adaptation(), full.adaptation());
        assertEquals(ExperimentConfig.DEFAULT.seeds(), full.seeds());
        assertEquals(ExperimentConfig.IN_MEMORY, full.suite());
        assertTrue(NotebookScale.SMOKE.multitaskSteps() < NotebookScale.DEFAULT.multitaskSteps());
    }
}
