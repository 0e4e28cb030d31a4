package org.routelab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FewShotSamplerTest {
    private static final Task TASK = new Task("t",
            IntStream.range(0, 100).mapToObj(i -> Example.of("t", "in" + i, "out" + i)).toList());

    private static List<String> inputs(List<Example> examples) {
        return examples.stream().map(Example::input).toList();
    }

    @Test
    void splitIsAPartitionAndDeterministic() {
        for (long seed : FewShotSampler.PAPER_SEEDS) {
            FewShotSplit split = FewShotSampler.split(TASK, 32, seed);
            assertEquals(32, split.shots().size());
            assertEquals(68, split.rest().size());
            Set<String> all = new HashSet<>(inputs(split.shots()));
            all.addAll(inputs(split.rest()));
            assertEquals(100, all.size(), "shots and rest cover the task without repeats");
            assertEquals(split, FewShotSampler.split(TASK, 32, seed));
            // The rest keeps the task's order.
            List<String> sortedRest = new ArrayList<>(inputs(split.rest()));
            sortedRest.sort((a, b) -> Integer.compare(Integer.parseInt(a.substring(2)), Integer.parseInt(b.substring(2))));
            assertEquals(sortedRest, inputs(split.rest()));
        }
        assertNotEquals(FewShotSampler.split(TASK, 32, 0).shots(), FewShotSampler.split(TASK, 32, 1024).shots());
        assertNotEquals(FewShotSampler.split(TASK, 32, 1024).shots(), FewShotSampler.split(TASK, 32, 42).shots());
    }

    @Test
    void samplesArePinnedAndNested() {
        // Pinned values: java.util.Random's algorithm is specified, so these hold on every JVM.
        assertEquals(List.of("in60", "in62", "in27", "in90", "in63"), inputs(FewShotSampler.split(TASK, 5, 0).shots()));
        assertEquals(inputs(FewShotSampler.split(TASK, 5, 42).shots()),
                inputs(FewShotSampler.split(TASK, 32, 42).shots()).subList(0, 5));
        assertEquals(100, FewShotSampler.split(TASK, 100, 7).shots().size());
        assertEquals("t", FewShotSampler.split(TASK, 3, 7).shotsTask().name());
    }

    @Test
    void shotCountOutOfRangeIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> FewShotSampler.split(TASK, 101, 0));
        assertEquals("k = 101 shots is outside [1, 100] for task 't'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FewShotSampler.split(TASK, 0, 0));
    }
}
