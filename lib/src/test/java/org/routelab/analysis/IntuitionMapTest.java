package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class IntuitionMapTest {
    /**
     * Three tasks, two clusters, five examples with known affinities: task a's two examples are nearest
     * to cluster 0, task b's to clusters 0 and 1, task c's one to cluster 1.
     */
    @Test
    void meansNearestClustersAndPurityFollowTheExamples() {
        float[] priors = {
            0.9f, 0.1f, // a
            0.7f, 0.2f, // a
            0.6f, 0.5f, // b
            0.1f, 0.8f, // b
            0.3f, 0.4f, // c
        };
        IntuitionMap map = IntuitionMap.of(List.of("a", "b", "c"), new int[] {0, 0, 1, 1, 2}, priors, 2);
        assertEquals(2, map.clusters());
        assertArrayEquals(new double[] {0.8, 0.15}, map.meanPrior()[0], 1e-6);
        assertArrayEquals(new double[] {0.35, 0.65}, map.meanPrior()[1], 1e-6);
        assertArrayEquals(new double[] {0.3, 0.4}, map.meanPrior()[2], 1e-6);
        assertArrayEquals(new int[] {2, 0}, map.nearest()[0]);
        assertArrayEquals(new int[] {1, 1}, map.nearest()[1]);
        assertArrayEquals(new int[] {0, 1}, map.nearest()[2]);
        // Examples in their task's most common cluster: 2 (a) + 1 (b) + 1 (c) of 5.
        assertEquals(4.0 / 5, map.taskPurity(), 1e-12);
        assertArrayEquals(new int[] {2, 2}, map.tasksPerCluster());
        assertThrows(IllegalArgumentException.class, () -> IntuitionMap.of(List.of("a"), new int[] {0}, priors, 2));
    }
}
