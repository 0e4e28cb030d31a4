package org.routelab.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Samples k-shot training sets. Sampling is a partial Fisher-Yates shuffle of the example indices
 * driven by {@code new java.util.Random(seed)}, whose algorithm the JDK specifies, so a split
 * depends only on the task's example order, k and the seed: identical across runs and JVMs. The
 * first k' shots of a k-shot sample are the k'-shot sample with the same seed, so smaller shot
 * counts are nested in larger ones.
 */
public final class FewShotSampler {
    /** The few-shot seeds of the MHR and TensorPoly papers. */
    public static final List<Long> PAPER_SEEDS = List.of(0L, 1024L, 42L);

    private FewShotSampler() {}

    /**
     * Splits a task into k shots and the rest.
     *
     * @param task the task
     * @param k the number of shots, in {@code [1, task.size()]}
     * @param seed the seed
     * @return the split
     * @throws IllegalArgumentException if k is out of range
     */
    public static FewShotSplit split(Task task, int k, long seed) {
        int n = task.size();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException(
                    "k = " + k + " shots is outside [1, " + n + "] for task '" + task.name() + "'");
        }
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        Random random = new Random(seed);
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        boolean[] taken = new boolean[n];
        List<Example> shots = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            taken[order[i]] = true;
            shots.add(task.examples().get(order[i]));
        }
        List<Example> rest = new ArrayList<>(n - k);
        for (int i = 0; i < n; i++) {
            if (!taken[i]) {
                rest.add(task.examples().get(i));
            }
        }
        return new FewShotSplit(task.name(), seed, shots, rest);
    }
}
