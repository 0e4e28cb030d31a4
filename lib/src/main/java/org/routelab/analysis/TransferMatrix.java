package org.routelab.analysis;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * Transfer between training tasks: the accuracy on task {@code j}'s examples when the model is routed
 * as task {@code i} (row {@code i}, column {@code j}). The diagonal is each task with its own routing;
 * a high entry off the diagonal means task {@code i}'s routing also solves task {@code j}, as tasks
 * that share a skill should if the experts learned the skills.
 *
 * @param tasks the task names, rows and columns alike
 * @param accuracy {@code [routing task][evaluated task]}, in {@code [0, 1]}
 */
public record TransferMatrix(List<String> tasks, double[][] accuracy) {
    /** Checks that the matrix is square with one row per task. */
    public TransferMatrix {
        tasks = List.copyOf(tasks);
        if (accuracy.length != tasks.size()) {
            throw new IllegalArgumentException(tasks.size() + " tasks for " + accuracy.length + " rows");
        }
        for (double[] row : accuracy) {
            if (row.length != tasks.size()) {
                throw new IllegalArgumentException(tasks.size() + " tasks for a row of " + row.length);
            }
        }
    }

    /** Returns the mean accuracy of the tasks with their own routing (the diagonal). */
    public double ownRouting() {
        double sum = 0;
        for (int i = 0; i < accuracy.length; i++) {
            sum += accuracy[i][i];
        }
        return sum / accuracy.length;
    }

    /**
     * Averages the off-diagonal accuracies of related and of unrelated (routing task, evaluated task)
     * pairs, e.g. tasks that share a skill against tasks that do not.
     *
     * @param related whether two tasks are related
     * @return the two means (NaN where there is no such pair)
     */
    public Similarity.Split meanBy(BiPredicate<String, String> related) {
        double[] sum = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < accuracy.length; i++) {
            for (int j = 0; j < accuracy.length; j++) {
                if (i != j) {
                    int k = related.test(tasks.get(i), tasks.get(j)) ? 0 : 1;
                    sum[k] += accuracy[i][j];
                    count[k]++;
                }
            }
        }
        return new Similarity.Split(count[0] == 0 ? Double.NaN : sum[0] / count[0],
                count[1] == 0 ? Double.NaN : sum[1] / count[1]);
    }
}
