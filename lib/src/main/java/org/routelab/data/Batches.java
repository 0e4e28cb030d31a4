package org.routelab.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Groups items (encoded examples, rank-classification rows) into batches. Multi-task training uses
 * {@link #shuffled} over all tasks' examples, so batches mix tasks; adaptation and evaluation use one
 * task's examples, so every batch is single-task.
 */
public final class Batches {
    private Batches() {}

    /**
     * Consecutive batches in the items' order; the last may be smaller.
     *
     * @param items the items
     * @param batchSize the batch size (positive)
     * @param <T> the item type
     * @return the batches
     */
    public static <T> List<List<T>> inOrder(List<T> items, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " must be positive");
        }
        List<List<T>> out = new ArrayList<>();
        for (int from = 0; from < items.size(); from += batchSize) {
            out.add(List.copyOf(items.subList(from, Math.min(items.size(), from + batchSize))));
        }
        return out;
    }

    /**
     * One epoch of batches in a random order drawn from {@code random}; the last batch may be smaller.
     * Training loops keep one {@code Random} across epochs, so each epoch is ordered differently and
     * the whole sequence depends only on the seed.
     *
     * @param items the items
     * @param batchSize the batch size (positive)
     * @param random the source of the order ({@link Collections#shuffle(List, Random)} is used)
     * @param <T> the item type
     * @return the batches
     */
    public static <T> List<List<T>> shuffled(List<T> items, int batchSize, Random random) {
        List<T> copy = new ArrayList<>(items);
        Collections.shuffle(copy, random);
        return inOrder(copy, batchSize);
    }

    /**
     * One epoch of batches in a random order drawn from {@code new Random(seed)}.
     *
     * @param items the items
     * @param batchSize the batch size (positive)
     * @param seed the seed
     * @param <T> the item type
     * @return the batches
     */
    public static <T> List<List<T>> shuffled(List<T> items, int batchSize, long seed) {
        return shuffled(items, batchSize, new Random(seed));
    }
}
