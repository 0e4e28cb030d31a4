package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradientAlignmentTest {
    private static Map<String, float[]> gradients(float[] a, float[] b) {
        Map<String, float[]> g = new LinkedHashMap<>();
        g.put("layer.lora_a", a);
        g.put("layer.lora_b", b);
        return g;
    }

    @Test
    void similaritiesAreCosinesOfTheConcatenatedGradients() {
        // task x: (1, 0 | 0), task y: (1, 1 | 0) at 45 degrees, task z: (-1, 0 | 0) opposite x
        Similarity s = GradientAlignment.between(List.of("x", "y", "z"), List.of(
                gradients(new float[] {1, 0}, new float[] {0}),
                gradients(new float[] {1, 1}, new float[] {0}),
                gradients(new float[] {-1, 0}, new float[] {0})));
        double h = Math.sqrt(0.5);
        assertArrayEquals(new double[] {1, h, -1}, s.matrix()[0], 1e-9);
        assertArrayEquals(new double[] {h, 1, -h}, s.matrix()[1], 1e-9);
        assertEquals((h - 1 - h) / 3, s.meanOffDiagonal(), 1e-9);
        // the second parameter counts as much as the first: (0, 0 | 1) is orthogonal to x
        Similarity t = GradientAlignment.between(List.of("x", "w"), List.of(
                gradients(new float[] {1, 0}, new float[] {0}), gradients(new float[] {0, 0}, new float[] {1})));
        assertEquals(0, t.matrix()[0][1], 1e-12);
    }

    @Test
    void aSeriesAveragesOverPairsAndSteps() {
        List<String> tasks = List.of("ab", "ac", "de");
        Similarity aligned = new Similarity(tasks, new double[][] {{1, 0.8, 0.2}, {0.8, 1, 0.2}, {0.2, 0.2, 1}});
        Similarity opposed = new Similarity(tasks, new double[][] {{1, 0.4, -0.4}, {0.4, 1, -0.4}, {-0.4, -0.4, 1}});
        GradientAlignment series = GradientAlignment.NONE.plus(10, aligned).plus(20, opposed);
        assertEquals(List.of(10, 20), series.steps());
        assertArrayEquals(new double[] {0.4, -0.4 / 3}, series.meanOverPairs(), 1e-9);
        assertEquals((0.4 - 0.4 / 3) / 2, series.overall(), 1e-9);
        // pairs sharing a letter: (ab, ac) only
        Similarity.Split split = series.meanBy((a, b) -> a.charAt(0) == b.charAt(0));
        assertEquals(0.6, split.related(), 1e-9);
        assertEquals((0.2 - 0.4) / 2, split.unrelated(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> series.plus(20, aligned));
        assertTrue(Double.isNaN(GradientAlignment.NONE.overall()));
    }

    @Test
    void tasksMustShareTheirParameters() {
        var e = assertThrows(IllegalArgumentException.class, () -> GradientAlignment.between(List.of("x", "y"),
                List.of(gradients(new float[] {1, 0}, new float[] {0}), Map.of("layer.lora_a", new float[] {1, 0}))));
        assertTrue(e.getMessage().contains("y"), e.getMessage());
        var sizes = assertThrows(IllegalArgumentException.class, () -> GradientAlignment.between(List.of("x", "y"),
                List.of(gradients(new float[] {1, 0}, new float[] {0}), gradients(new float[] {1}, new float[] {0}))));
        assertTrue(sizes.getMessage().contains("layer.lora_a"), sizes.getMessage());
    }
}
