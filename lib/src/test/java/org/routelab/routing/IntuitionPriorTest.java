package org.routelab.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IntuitionPriorTest {
    private static final int D = 8;
    private static final int CLUSTERS = 4;
    private static final int PER_CLUSTER = 20;

    @Test
    void examplesNearACentroidScoreHighestThere() {
        try (NDManager m = NDManager.newBaseManager()) {
            IntuitionPrior prior = IntuitionPrior.fit(clustered(m, 1), CLUSTERS, 7);
            NDArray scores = prior.prior(clustered(m, 2));
            assertEquals(new Shape((long) CLUSTERS * PER_CLUSTER, CLUSTERS), scores.getShape());
            float[] s = scores.toFloatArray();
            Set<Integer> winners = new HashSet<>();
            for (int c = 0; c < CLUSTERS; c++) {
                int winner = argmax(s, c * PER_CLUSTER);
                winners.add(winner);
                for (int i = 0; i < PER_CLUSTER; i++) {
                    int row = c * PER_CLUSTER + i;
                    assertEquals(winner, argmax(s, row), "example " + row + " of cluster " + c);
                    // the example is a unit vector close to its (nearly unit) centroid
                    assertTrue(s[row * CLUSTERS + winner] > 0.9f, "score " + s[row * CLUSTERS + winner]);
                }
            }
            assertEquals(CLUSTERS, winners.size(), "every cluster has its own centroid");
        }
    }

    @Test
    void fitsAreDeterministicPerSeedAndPriorsIgnoreTheEmbeddingsScale() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray data = m.randomNormal(new Shape(60, D));
            float[][] a = IntuitionPrior.fit(data, 5, 3).centroids();
            float[][] b = IntuitionPrior.fit(data, 5, 3).centroids();
            for (int c = 0; c < 5; c++) {
                assertArrayEquals(a[c], b[c], 0f);
            }
            float[][] other = IntuitionPrior.fit(data, 5, 4).centroids();
            assertNotEquals(java.util.Arrays.deepToString(a), java.util.Arrays.deepToString(other));
            IntuitionPrior prior = IntuitionPrior.of(a);
            NDArray x = m.randomNormal(new Shape(3, D));
            assertArrayEquals(prior.prior(x).toFloatArray(), prior.prior(x.mul(7f)).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void tooFewExamplesOrWrongSizesAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            var few = assertThrows(IllegalArgumentException.class,
                    () -> IntuitionPrior.fit(m.randomNormal(new Shape(5, D)), 32, 0));
            assertTrue(few.getMessage().contains("k = 32") && few.getMessage().contains("got 5"), few.getMessage());
            IntuitionPrior prior = IntuitionPrior.fit(m.randomNormal(new Shape(10, D)), 2, 0);
            var size = assertThrows(IllegalArgumentException.class, () -> prior.prior(m.randomNormal(new Shape(2, 3))));
            assertTrue(size.getMessage().contains("[batch, 8]"), size.getMessage());
        }
    }

    /** Four tight clusters around scaled basis vectors, {@code PER_CLUSTER} points each, cluster by cluster. */
    private static NDArray clustered(NDManager m, long seed) {
        Random random = new Random(seed);
        float[] v = new float[CLUSTERS * PER_CLUSTER * D];
        for (int c = 0; c < CLUSTERS; c++) {
            for (int i = 0; i < PER_CLUSTER; i++) {
                int row = c * PER_CLUSTER + i;
                for (int j = 0; j < D; j++) {
                    v[row * D + j] = (float) (0.05 * random.nextGaussian()) + (j == c ? 3f : 0f);
                }
            }
        }
        return m.create(v, new Shape((long) CLUSTERS * PER_CLUSTER, D));
    }

    private static int argmax(float[] scores, int row) {
        int best = 0;
        for (int c = 1; c < CLUSTERS; c++) {
            if (scores[row * CLUSTERS + c] > scores[row * CLUSTERS + best]) {
                best = c;
            }
        }
        return best;
    }
}
