package org.routelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class TFewLossTest {
    @Test
    void uniformModelGivesClosedFormTerms() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 2 examples x 3 choices, vocabulary 2, equal logits: every token has p = 1/2
            NDArray logits = m.zeros(new Shape(6, 2, 2));
            NDArray labels = m.create(new long[] {0, 1, 1, -100, 0, 0, 1, 1, 0, -100, 1, 0}, new Shape(6, 2));
            TFewLoss.Terms t = TFewLoss.compute(logits, labels, 3, m.create(new long[] {2, 0}));
            double ln2 = Math.log(2);
            assertEquals(ln2, t.lm().getFloat(), 1e-6);
            assertEquals(ln2, t.unlikelihood().getFloat(), 1e-6);
            assertEquals(Math.log(3), t.lengthNormalised().getFloat(), 1e-6);
            assertEquals(2 * ln2 + Math.log(3), t.total().getFloat(), 1e-5);
        }
    }

    @Test
    void favouringTheCorrectChoiceLowersEveryTerm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray labels = m.create(new long[] {1, 1, 0, 0}, new Shape(2, 2));
            NDArray correct = m.create(new long[] {0});
            // logits favour token 1 everywhere: correct answer (1 1) likely, wrong answer (0 0) unlikely
            NDArray good = m.create(new float[] {0, 2, 0, 2, 0, 2, 0, 2}, new Shape(2, 2, 2));
            NDArray bad = m.create(new float[] {2, 0, 2, 0, 2, 0, 2, 0}, new Shape(2, 2, 2));
            TFewLoss.Terms g = TFewLoss.compute(good, labels, 2, correct);
            TFewLoss.Terms b = TFewLoss.compute(bad, labels, 2, correct);
            assertTrue(g.lm().getFloat() < b.lm().getFloat());
            assertTrue(g.unlikelihood().getFloat() < b.unlikelihood().getFloat());
            assertTrue(g.lengthNormalised().getFloat() < b.lengthNormalised().getFloat());
            // log(1 + e^-2) per correct token
            assertEquals(Math.log(1 + Math.exp(-2)), g.lm().getFloat(), 1e-6);
        }
    }
}
