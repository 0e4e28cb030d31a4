package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.analysis.AdapterWeights;

class ExpertSimilarityTest {
    private static final String A = "encoder.block.0.layer.0.SelfAttention.q.adapter";

    @Test
    void expertsAlongAnAxisAreComparedOverEveryParameterOfTheAdapter() {
        // lora_a [1, S=3, d=2, r=1]: experts 0 and 1 equal in A, expert 2 orthogonal to both.
        // lora_b [1, 3, 1, 2]: experts 0 and 1 differ in B, so together they are alike but not equal.
        AdapterWeights w = new Weights()
                .put(A + ".lora_a", new float[] {1, 0, 1, 0, 0, 1}, 1, 3, 2, 1)
                .put(A + ".lora_b", new float[] {1, 0, 0, 1, 0, 5}, 1, 3, 1, 2)
                .put(A + ".router.module_logits", new float[] {0, 0, 0}, 1, 3)
                .build(1);
        assertEquals(List.of(A), ExpertSimilarity.adapters(w));
        Similarity s = ExpertSimilarity.of(w, A, 1);
        assertEquals(List.of("0", "1", "2"), s.labels());
        assertEquals(0.5, s.matrix()[0][1], 1e-9); // (1*1 + 0) / (sqrt 2 * sqrt 2)
        assertEquals(0, s.matrix()[0][2], 1e-9);
        assertEquals(5 / (Math.sqrt(2) * Math.sqrt(26)), s.matrix()[1][2], 1e-9);
    }

    @Test
    void severalAxesMakeOneExpertPerCombination() {
        // leaves [N=2, R=2, r=1, l=2]: every (order, rank) pair is an expert.
        AdapterWeights w = new Weights()
                .put(A + ".leaves_a", new float[] {1, 0, 0, 1, 1, 0, 2, 0}, 2, 2, 1, 2)
                .build(1);
        Similarity s = ExpertSimilarity.of(w, A, 0, 1);
        assertEquals(List.of("0,0", "0,1", "1,0", "1,1"), s.labels());
        assertEquals(1, s.matrix()[0][2], 1e-9);
        assertEquals(1, s.matrix()[0][3], 1e-9);
        assertEquals(0, s.matrix()[0][1], 1e-9);
        assertEquals(List.of("0", "1"), ExpertSimilarity.of(w, A, 1).labels());
    }

    @Test
    void badAdaptersAndAxesAreNamed() {
        AdapterWeights w = new Weights().put(A + ".lora_a", new float[] {1, 2}, 1, 2).build(1);
        assertThrows(IllegalArgumentException.class, () -> ExpertSimilarity.of(w, "nowhere", 1));
        assertThrows(IllegalArgumentException.class, () -> ExpertSimilarity.of(w, A, 2));
        assertThrows(IllegalArgumentException.class, () -> ExpertSimilarity.of(w, A));
    }
}
