package org.routelab.train;

/**
 * How to train: the papers' defaults are Adafactor, 6% warm-up, gradient clipping at 1.
 *
 * @param steps the number of updates
 * @param optimizer the optimiser
 * @param warmupFraction the fraction of updates spent warming up
 * @param maxGradNorm global gradient-norm clip; 0 disables clipping
 * @param weightDecay decoupled weight decay
 * @param checkpointEvery write a checkpoint every this many steps (and at the end and on interrupt); 0 never
 * @param keepCheckpoints how many checkpoints to keep
 * @param seed seeds the per-step random streams (dropout, routing noise)
 */
public record TrainerConfig(
        int steps,
        OptimizerKind optimizer,
        double warmupFraction,
        float maxGradNorm,
        float weightDecay,
        int checkpointEvery,
        int keepCheckpoints,
        int seed) {

    /** The optimisers a run can use. */
    public enum OptimizerKind {
        /** {@link Adafactor}, as in the papers. */
        ADAFACTOR,
        /** {@link AdamW}. */
        ADAMW
    }

    /** Validates the values, naming the bad one. */
    public TrainerConfig {
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be positive, got " + steps);
        }
        if (warmupFraction < 0 || warmupFraction >= 1) {
            throw new IllegalArgumentException("warmupFraction must be in [0, 1), got " + warmupFraction);
        }
        if (maxGradNorm < 0) {
            throw new IllegalArgumentException("maxGradNorm must be >= 0, got " + maxGradNorm);
        }
        if (checkpointEvery < 0 || keepCheckpoints < 1) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0 and keepCheckpoints >= 1, got "
                    + checkpointEvery + " and " + keepCheckpoints);
        }
    }

    /**
     * Returns the papers' settings for a number of steps: Adafactor, 6% warm-up, clip 1, no decay,
     * no checkpoints.
     *
     * @param steps the number of updates
     * @param seed the seed
     * @return the configuration
     */
    public static TrainerConfig papers(int steps, int seed) {
        return new TrainerConfig(steps, OptimizerKind.ADAFACTOR, 0.06, 1f, 0f, 0, 2, seed);
    }

    /**
     * Returns a copy that checkpoints every {@code every} steps.
     *
     * @param every the checkpoint interval
     * @return the configuration
     */
    public TrainerConfig withCheckpointEvery(int every) {
        return new TrainerConfig(steps, optimizer, warmupFraction, maxGradNorm, weightDecay, every, keepCheckpoints,
                seed);
    }

    /**
     * Returns a copy with another optimiser.
     *
     * @param kind the optimiser
     * @return the configuration
     */
    public TrainerConfig withOptimizer(OptimizerKind kind) {
        return new TrainerConfig(steps, kind, warmupFraction, maxGradNorm, weightDecay, checkpointEvery,
                keepCheckpoints, seed);
    }
}
