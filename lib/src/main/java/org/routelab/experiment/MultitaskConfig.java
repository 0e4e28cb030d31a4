package org.routelab.experiment;

import org.routelab.method.LearningRates;
import org.routelab.util.ConfigValues;

/**
 * The multi-task phase of an experiment: mixed-task batches over all training tasks.
 *
 * @param steps updates; 0 skips the phase (few-shot training from a fresh adapter)
 * @param batchSize examples per batch (also the largest adaptation batch)
 * @param lr the experts' learning rate, or null for the method's ({@link
 *     org.routelab.method.Method#learningRates})
 * @param routingLr the routing logits' learning rate, here and in adaptation
 * @param checkpointEvery steps between checkpoints when the run has a folder
 * @param snapshotEvery steps between in-memory copies of the trained parameters (0: none), e.g. to draw
 *     the routers' trajectories
 */
public record MultitaskConfig(int steps, int batchSize, Float lr, float routingLr, int checkpointEvery,
        int snapshotEvery) {
    /**
     * Multi-task updates on the built-in default. On the tiny backbone a step costs about the same at 16
     * or 64 examples (operation overheads dominate), so the protocol trains few large batches with
     * learning rates raised to match: the comparison of the six task-id methods, 3 seeds each, fits in
     * 10 minutes of one CPU core.
     */
    public static final int DEFAULT_STEPS = 100;
    /** Examples per multi-task batch on the built-in default, and the largest adaptation batch (32 shots are one batch). */
    public static final int DEFAULT_BATCH_SIZE = 64;
    /** Steps between checkpoints of a run with a folder. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 100;

    /** The built-in default. */
    public static final MultitaskConfig DEFAULT = new MultitaskConfig(DEFAULT_STEPS, DEFAULT_BATCH_SIZE, null,
            LearningRates.ROUTING, DEFAULT_CHECKPOINT_EVERY, 0);

    /** Validates the values against their sane ranges, naming the key of the first bad one. */
    public MultitaskConfig {
        ConfigValues.range("steps", steps, 0, ConfigValues.MAX_STEPS);
        ConfigValues.range("batch_size", batchSize, 1, ConfigValues.MAX_EXAMPLES);
        ConfigValues.learningRate("lr", lr);
        ConfigValues.learningRate("routing_lr", routingLr);
        ConfigValues.range("checkpoint_every", checkpointEvery, 1, Integer.MAX_VALUE);
        ConfigValues.range("snapshot_every", snapshotEvery, 0, Integer.MAX_VALUE);
    }
}
