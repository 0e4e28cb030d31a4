package org.routelab.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalTest {
    @Test
    void meanNllIsLengthNormalisedAndIgnoresPadding() {
        try (NDManager m = NDManager.newBaseManager()) {
            // vocabulary of 2 with equal logits: every token costs ln 2
            NDArray logits = m.zeros(new Shape(2, 3, 2));
            NDArray labels = m.create(new long[] {0, 1, -100, 1, -100, -100}, new Shape(2, 3));
            float ln2 = (float) Math.log(2);
            assertArrayEquals(new float[] {ln2, ln2}, SequenceScores.meanNll(logits, labels), 1e-6f);
            // a confident logit for label 1 in row 1 lowers its score
            NDArray sharp = m.create(new float[] {0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0}, new Shape(2, 3, 2));
            float[] s = SequenceScores.meanNll(sharp, labels);
            assertEquals((float) Math.log(1 + Math.exp(-5)), s[1], 1e-6f);
            assertEquals(1, SequenceScores.argmin(new float[] {s[0], s[1]}));
        }
    }

    @Test
    void textMetricsMatchHandCounts() {
        assertEquals(1, TextMetrics.exactMatch(" A  b c", "a b c"));
        assertEquals(0, TextMetrics.exactMatch("a b", "a b c"));
        // LCS("a x b c", "a b c d") = 3: P = 3/4, R = 3/4
        assertEquals(0.75, TextMetrics.rougeL("a x b c", "a b c d"), 1e-12);
        // LCS = 2 of prediction length 2 and reference length 4: P = 1, R = 0.5, F = 2/3
        assertEquals(2.0 / 3, TextMetrics.rougeL("b d", "a b c d"), 1e-12);
        assertEquals(0, TextMetrics.rougeL("x", "a b"));
    }

    @Test
    void aggregationTakesMediansOverSeedsThenMeanOverTasks() {
        SeedAggregate a = new SeedAggregate();
        a.add("rte", 0, 0.5);
        a.add("rte", 1024, 0.9);
        a.add("rte", 42, 0.6);
        a.add("cb", 0, 0.2);
        a.add("cb", 1024, 0.4);
        assertEquals(0.6, a.medianPerTask().get("rte"), 1e-12);
        assertEquals(0.3, a.medianPerTask().get("cb"), 1e-12);
        assertEquals(0.45, a.meanOfMedians(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> a.add("cb", 0, 1.0));
        assertEquals(2.0, SeedAggregate.median(List.of(3.0, 1.0, 2.0)), 0);
    }
}
