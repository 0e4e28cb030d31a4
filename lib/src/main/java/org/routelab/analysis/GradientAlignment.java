package org.routelab.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Gradient alignment between training tasks, the MHR paper's evidence that routing reduces
 * interference in multi-task training (its Fig. 3, left): at a training step, the gradient of each
 * task's loss on the adapter parameters (a fixed probe batch per task), the cosine similarity of every
 * pair of tasks' gradients, and its mean over the pairs. Positive means tasks pull the shared
 * parameters the same way (transfer); negative, against each other (interference).
 *
 * <p>It takes gradients, not experiments: whoever trains computes them (the experiment API does, on
 * request) and hands them over one measurement at a time.
 *
 * @param steps the training steps measured, increasing
 * @param similarities the task-pair cosine similarities at each step
 */
public record GradientAlignment(List<Integer> steps, List<Similarity> similarities) {
    /** No measurements. */
    public static final GradientAlignment NONE = new GradientAlignment(List.of(), List.of());

    /** Copies the lists and checks that they match. */
    public GradientAlignment {
        steps = List.copyOf(steps);
        similarities = List.copyOf(similarities);
        if (steps.size() != similarities.size()) {
            throw new IllegalArgumentException(steps.size() + " steps for " + similarities.size() + " measurements");
        }
    }

    /**
     * Computes the cosine similarity of every pair of tasks' gradients, each task's gradients
     * concatenated over the parameters (in the first task's order).
     *
     * @param tasks the task names
     * @param gradients per task, parameter path to gradient values; every task has the same parameters
     *     with the same sizes
     * @return the similarities, one row and column per task
     * @throws IllegalArgumentException if the tasks' parameters differ
     */
    public static Similarity between(List<String> tasks, List<Map<String, float[]>> gradients) {
        if (tasks.size() != gradients.size()) {
            throw new IllegalArgumentException(tasks.size() + " tasks for " + gradients.size() + " gradients");
        }
        if (gradients.isEmpty()) {
            return new Similarity(tasks, new double[0][0]);
        }
        Map<String, float[]> first = gradients.get(0);
        int length = first.values().stream().mapToInt(v -> v.length).sum();
        double[][] vectors = new double[gradients.size()][length];
        for (int t = 0; t < gradients.size(); t++) {
            Map<String, float[]> g = gradients.get(t);
            if (!g.keySet().equals(first.keySet())) {
                throw new IllegalArgumentException("task " + tasks.get(t) + " has gradients for other parameters than "
                        + tasks.get(0));
            }
            int offset = 0;
            for (Map.Entry<String, float[]> e : first.entrySet()) {
                float[] values = g.get(e.getKey());
                if (values.length != e.getValue().length) {
                    throw new IllegalArgumentException("parameter " + e.getKey() + " has " + values.length
                            + " gradient values for task " + tasks.get(t) + ", " + e.getValue().length + " for "
                            + tasks.get(0));
                }
                for (float v : values) {
                    vectors[t][offset++] = v;
                }
            }
        }
        return Similarity.cosine(tasks, vectors);
    }

    /**
     * Returns these measurements and one more.
     *
     * @param step the training step, after the last one measured
     * @param similarity the task pairs' similarities at that step
     * @return the longer series
     */
    public GradientAlignment plus(int step, Similarity similarity) {
        if (!steps.isEmpty() && step <= steps.get(steps.size() - 1)) {
            throw new IllegalArgumentException("step " + step + " is not after " + steps.get(steps.size() - 1));
        }
        List<Integer> s = new ArrayList<>(steps);
        List<Similarity> m = new ArrayList<>(similarities);
        s.add(step);
        m.add(similarity);
        return new GradientAlignment(s, m);
    }

    /** Returns whether nothing was measured. */
    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** Returns the mean cosine similarity over task pairs at each measured step (the paper's curve). */
    public double[] meanOverPairs() {
        return similarities.stream().mapToDouble(Similarity::meanOffDiagonal).toArray();
    }

    /** Returns the mean over the measured steps of {@link #meanOverPairs}: one figure per run. */
    public double overall() {
        return java.util.Arrays.stream(meanOverPairs()).average().orElse(Double.NaN);
    }

    /**
     * Returns the mean over the measured steps of the related and the unrelated pairs' similarities,
     * e.g. tasks that share a skill against those that do not.
     *
     * @param related whether two tasks are related
     * @return the two means (NaN where there is no such pair or no measurement)
     */
    public Similarity.Split meanBy(BiPredicate<String, String> related) {
        double r = 0;
        double u = 0;
        for (Similarity s : similarities) {
            Similarity.Split split = s.meanBy(related);
            r += split.related() / similarities.size();
            u += split.unrelated() / similarities.size();
        }
        return similarities.isEmpty() ? new Similarity.Split(Double.NaN, Double.NaN) : new Similarity.Split(r, u);
    }
}
