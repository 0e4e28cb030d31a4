package org.routelab.data;

import java.util.List;
import java.util.Random;

/**
 * The batch of every training step, derived from the step index alone: epoch {@code e} is a shuffle
 * drawn from {@code (seed, e)}, and step {@code s} takes batch {@code s mod n} of epoch
 * {@code s / n}. A resumed run therefore sees exactly the batches of an uninterrupted one. Batches are
 * full: the remainder of an epoch is left out of that epoch (it lands in others, as the order changes).
 *
 * @param <T> the item type
 */
public final class StepBatches<T> {
    private final List<T> items;
    private final int batchSize;
    private final long seed;
    private final int perEpoch;
    private int cachedEpoch = -1;
    private List<List<T>> cached;

    /**
     * Creates the sequence.
     *
     * @param items the items (at least one batch's worth)
     * @param batchSize the batch size
     * @param seed the seed of the epoch orders
     */
    public StepBatches(List<T> items, int batchSize, long seed) {
        if (batchSize < 1 || items.size() < batchSize) {
            throw new IllegalArgumentException(
                    "need at least one batch of " + batchSize + " items, have " + items.size());
        }
        this.items = List.copyOf(items);
        this.batchSize = batchSize;
        this.seed = seed;
        this.perEpoch = items.size() / batchSize;
    }

    /**
     * Returns the batch of a step.
     *
     * @param step the 0-based step index
     * @return its items
     */
    public synchronized List<T> batch(int step) {
        int epoch = step / perEpoch;
        if (epoch != cachedEpoch) {
            cached = Batches.shuffled(items, batchSize, new Random(seed * 0x9E3779B97F4A7C15L + epoch));
            cachedEpoch = epoch;
        }
        return cached.get(step % perEpoch);
    }

    /** Returns the number of full batches per epoch. */
    public int batchesPerEpoch() {
        return perEpoch;
    }
}
