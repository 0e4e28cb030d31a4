package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.analysis.AdapterWeights;

class TrajectoriesTest {
    @Test
    void aStraightPathLiesOnItsFirstComponent() {
        double[][] points = new double[5][];
        for (int i = 0; i < 5; i++) {
            points[i] = new double[] {i, 2 * i, -i, 0};
        }
        double[][] scores = Trajectories.project(points, 3);
        double step = Math.sqrt(1 + 4 + 1);
        for (int i = 0; i < 5; i++) {
            assertEquals(step * Math.abs(i - 2), Math.abs(scores[i][0]), 1e-6);
            assertEquals(0, scores[i][1], 1e-6);
            assertEquals(0, scores[i][2], 1e-6);
        }
    }

    @Test
    void aPlanarPathKeepsItsDistancesInTwoComponents() {
        double[][] points = {{0, 0, 0}, {3, 0, 0}, {3, 1, 0}, {0, 1, 0}};
        double[][] scores = Trajectories.project(points, 3);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double original = Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]);
                double projected = Math.hypot(scores[i][0] - scores[j][0], scores[i][1] - scores[j][1]);
                assertEquals(original, projected, 1e-6);
            }
            assertEquals(0, scores[i][2], 1e-6);
        }
        assertEquals(9.0 / 4 * 4, sumOfSquares(scores, 0), 1e-6, "the long side comes first");
    }

    private static double sumOfSquares(double[][] s, int c) {
        double sum = 0;
        for (double[] row : s) {
            sum += row[c] * row[c];
        }
        return sum;
    }

    @Test
    void snapshotsAreFollowedThroughTheParametersTheSuffixSelects() {
        List<AdapterWeights> snapshots = new ArrayList<>();
        for (int step = 1; step <= 4; step++) {
            snapshots.add(new Weights()
                    .put("a.adapter.router.weight", new float[] {step, 0}, 1, 2)
                    .put("b.adapter.router.weight", new float[] {0, step}, 1, 2)
                    .put("a.adapter.lora_a", new float[] {100 * step * step}, 1)
                    .build(step));
        }
        double[][] path = Trajectories.principalPath(snapshots, ".router.weight", 3);
        assertEquals(4, path.length);
        assertEquals(Math.sqrt(2) * 3, Math.abs(path[3][0] - path[0][0]), 1e-6);
        assertEquals(0, path[2][1], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Trajectories.principalPath(snapshots, ".nothing", 3));
    }

    @Test
    void wanderingIsPathLengthOverStraightDistance() {
        // Snapshots at (0,0), (3,0), (3,4) and the final weights back at (3,0): length 3 + 4 + 4, distance 3.
        float[][] points = {{0, 0}, {3, 0}, {3, 4}, {3, 0}};
        List<AdapterWeights> path = new ArrayList<>();
        for (int i = 0; i < points.length; i++) {
            path.add(new Weights().put("x.adapter.router.weight", points[i], 2).build(i + 1));
        }
        org.routelab.eval.SeedAggregate scores = new org.routelab.eval.SeedAggregate();
        scores.add("t", 0, 0.5);
        var result = new org.routelab.experiment.ExperimentResult("trex", "", scores, List.of(0), 0, 0, List.of(),
                List.of(), 0, path.get(3), path.subList(0, 3));
        assertEquals(path, result.multitaskPath(), "a result's path: its snapshots, then its final weights");
        assertEquals(11.0 / 3, Trajectories.wandering(result.multitaskPath(), ".router.weight"), 1e-9);
        assertEquals(4, Trajectories.principalPath(result.multitaskPath(), ".router.weight", 3).length);
        assertThrows(IllegalArgumentException.class, () -> Trajectories.wandering(path.subList(3, 4), ".router.weight"));
    }
}
