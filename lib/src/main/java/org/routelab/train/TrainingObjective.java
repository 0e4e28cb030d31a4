package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.routelab.nn.RandomStream;

/**
 * What one training step minimises. Implementations derive the step's batch from the step index
 * alone (e.g. a seeded shuffle per epoch), so that a resumed run sees the same batches.
 */
@FunctionalInterface
public interface TrainingObjective {
    /**
     * Computes a step's loss.
     *
     * @param step the 0-based step index
     * @param scope the step's manager: create the batch here; it is closed after the update
     * @param random the step's random stream (dropout, stochastic routing), derived from the run's seed
     *     and the step index, so a resumed run draws the same numbers
     * @return the scalar loss and the number of target tokens it covers
     */
    StepLoss loss(int step, NDManager scope, RandomStream random);

    /**
     * A step's loss.
     *
     * @param loss scalar loss in the autograd graph
     * @param tokens target tokens in the batch (for throughput)
     */
    record StepLoss(NDArray loss, long tokens) {}
}
