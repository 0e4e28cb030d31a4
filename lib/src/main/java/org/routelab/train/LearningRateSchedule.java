package org.routelab.train;

import java.util.Optional;

/**
 * Linear warm-up then linear decay to zero, the schedule of the papers: the factor grows as
 * {@code (s + 1) / W} over the first {@code W} updates, then falls as {@code (T - s) / (T - W)}.
 *
 * @param totalSteps the number of updates {@code T}
 * @param warmupSteps the warm-up length {@code W}
 */
public record LearningRateSchedule(int totalSteps, int warmupSteps) {
    /** Validates the lengths. */
    public LearningRateSchedule {
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps >= totalSteps) {
            throw new IllegalArgumentException(
                    "need 0 <= warm-up steps < total steps, got " + warmupSteps + " and " + totalSteps);
        }
    }

    /**
     * Returns the schedule with a warm-up fraction of the total (6% in the papers).
     *
     * @param totalSteps the number of updates
     * @param warmupFraction the fraction of updates spent warming up
     * @return the schedule
     */
    public static LearningRateSchedule withWarmupFraction(int totalSteps, double warmupFraction) {
        return new LearningRateSchedule(totalSteps, (int) Math.round(totalSteps * warmupFraction));
    }

    /**
     * Returns the learning-rate factor of an update.
     *
     * @param step the 0-based update index
     * @return a factor in {@code (0, 1]}
     */
    public float factor(int step) {
        if (step < warmupSteps) {
            return (step + 1f) / warmupSteps;
        }
        return (float) (totalSteps - step) / (totalSteps - warmupSteps);
    }

    /**
     * Returns the first of the first {@code steps} updates whose factor differs between two
     * schedules: none means that a run of one length, stopped after {@code steps} updates, is exactly
     * the same as a run of the other length stopped there.
     *
     * @param a one schedule
     * @param b the other
     * @param steps how many updates to compare, from the first
     * @return the 0-based index of the first differing update, or empty
     */
    public static Optional<Integer> firstDifference(LearningRateSchedule a, LearningRateSchedule b,
            int steps) {
        for (int s = 0; s < steps; s++) {
            if (Float.floatToIntBits(a.factor(s)) != Float.floatToIntBits(b.factor(s))) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
