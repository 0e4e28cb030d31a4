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

class StepBatchesTest {
    private static final List<Integer> ITEMS = IntStream.range(0, 10).boxed().toList();

    @Test
    void batchesDependOnTheStepAloneAndCoverEachEpoch() {
        StepBatches<Integer> a = new StepBatches<>(ITEMS, 3, 7);
        assertEquals(3, a.batchesPerEpoch());
        Set<Integer> epoch0 = new HashSet<>();
        for (int s = 0; s < 3; s++) {
            assertEquals(3, a.batch(s).size());
            epoch0.addAll(a.batch(s));
        }
        assertEquals(9, epoch0.size());
        // a second instance asked out of order (as after a resume) agrees
        StepBatches<Integer> b = new StepBatches<>(ITEMS, 3, 7);
        assertEquals(a.batch(4), b.batch(4));
        assertEquals(a.batch(1), b.batch(1));
        List<List<Integer>> firstEpoch = new ArrayList<>();
        List<List<Integer>> secondEpoch = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            firstEpoch.add(a.batch(s));
            secondEpoch.add(a.batch(s + 3));
        }
        assertNotEquals(firstEpoch, secondEpoch);
        assertNotEquals(a.batch(0), new StepBatches<>(ITEMS, 3, 8).batch(0));
        assertThrows(IllegalArgumentException.class, () -> new StepBatches<>(ITEMS, 11, 0));
    }
}
