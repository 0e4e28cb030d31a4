package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;

/** Checks that accuracies are what rank classification can produce from a known number of examples. */
final class ScoredFractions {
    private ScoredFractions() {}

    /**
     * Asserts that each accuracy is the median over {@code seeds} seeds (1, or 2: their mean) of
     * {@code correct / scored}: a multiple of {@code 1 / (seeds * scored)} in {@code [0, 1]}. A scorer that
     * counted the wrong examples, or averaged anything else, would break it.
     *
     * @param accuracies the accuracies
     * @param scored examples scored per task and seed
     * @param seeds the number of seeds (1 or 2)
     */
    static void assertCountsOf(Collection<Double> accuracies, int scored, int seeds) {
        for (double a : accuracies) {
            double count = a * scored * seeds;
            assertEquals(Math.rint(count), count, 1e-6, "accuracy " + a + " is no count out of " + scored
                    + " scored examples and " + seeds + " seeds");
            assertTrue(count >= 0 && count <= scored * seeds, "accuracy " + a);
        }
    }
}
