package org.routelab.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The papers' aggregation of few-shot results: the median over seeds for each task, then the mean
 * over tasks.
 */
public final class SeedAggregate {
    private final Map<String, Map<Integer, Double>> scores = new LinkedHashMap<>();

    /**
     * Records a task's score for one seed.
     *
     * @param task the task name
     * @param seed the seed
     * @param score the score (e.g. accuracy)
     * @throws IllegalArgumentException if the task already has a score for the seed
     */
    public void add(String task, int seed, double score) {
        if (scores.computeIfAbsent(task, t -> new LinkedHashMap<>()).putIfAbsent(seed, score) != null) {
            throw new IllegalArgumentException("task '" + task + "' already has a score for seed " + seed);
        }
    }

    /**
     * Returns a task's score for one seed.
     *
     * @param task the task name
     * @param seed the seed
     * @return the score
     * @throws IllegalArgumentException if there is none
     */
    public double score(String task, int seed) {
        Double s = scores.getOrDefault(task, Map.of()).get(seed);
        if (s == null) {
            throw new IllegalArgumentException("no score for task '" + task + "' and seed " + seed);
        }
        return s;
    }

    /** Returns the median over seeds of each task, in insertion order. */
    public Map<String, Double> medianPerTask() {
        Map<String, Double> out = new LinkedHashMap<>();
        scores.forEach((task, bySeed) -> out.put(task, median(new ArrayList<>(bySeed.values()))));
        return out;
    }

    /** Returns the mean over tasks of the per-task medians. */
    public double meanOfMedians() {
        if (scores.isEmpty()) {
            throw new IllegalStateException("no scores recorded");
        }
        return medianPerTask().values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /**
     * Returns a median (the mean of the middle two for an even count).
     *
     * @param values the values
     * @return the median
     */
    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("median of no values");
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
