package org.routelab.analysis;

import java.util.List;

/**
 * T-REX's intuition seen from the tasks: the k-means clusters of the training examples' sentence
 * embeddings (fitted exactly as an experiment fits them; {@code RoutingInputs.intuitionMap} computes it), and for
 * every training task its examples' mean affinity to each cluster and how many of them fall nearest to
 * each. The T-REX paper's observation is that such semantic clusters do not follow the task groups.
 *
 * @param tasks the training tasks, in task-id order
 * @param clusters the number of clusters {@code k} ({@code I*J} for T-REX)
 * @param meanPrior {@code [tasks][k]}: the mean affinity of a task's examples to each centroid
 * @param nearest {@code [tasks][k]}: how many of a task's examples have each centroid as their nearest
 */
public record IntuitionMap(List<String> tasks, int clusters, double[][] meanPrior, int[][] nearest) {
    /**
     * Maps tasks onto the intuition's clusters from each training example's prior (its affinities to the
     * {@code k} centroids, e.g. from {@code RoutingInputs.intuitionMap}).
     *
     * @param tasks the training tasks, in task-id order
     * @param taskOfExample each example's task id
     * @param priors {@code [examples * k]}, row by row
     * @param k the number of clusters
     * @return the map
     */
    public static IntuitionMap of(List<String> tasks, int[] taskOfExample, float[] priors, int k) {
        if (priors.length != taskOfExample.length * k) {
            throw new IllegalArgumentException("need " + k + " affinities per example, got " + priors.length
                    + " for " + taskOfExample.length + " examples");
        }
        double[][] mean = new double[tasks.size()][k];
        int[][] nearest = new int[tasks.size()][k];
        int[] count = new int[tasks.size()];
        for (int i = 0; i < taskOfExample.length; i++) {
            int t = taskOfExample[i];
            int best = 0;
            for (int c = 0; c < k; c++) {
                mean[t][c] += priors[i * k + c];
                if (priors[i * k + c] > priors[i * k + best]) {
                    best = c;
                }
            }
            nearest[t][best]++;
            count[t]++;
        }
        for (int t = 0; t < tasks.size(); t++) {
            for (int c = 0; c < k; c++) {
                mean[t][c] /= Math.max(1, count[t]);
            }
        }
        return new IntuitionMap(List.copyOf(tasks), k, mean, nearest);
    }

    /**
     * Returns how much the clusters follow the tasks: the share of examples that fall in their task's
     * most common cluster. It is 1 when every task keeps to one cluster of its own, and near
     * {@code 1/k} (or the share of the largest cluster) when the clusters ignore the tasks.
     *
     * @return the share, in {@code (0, 1]}
     */
    public double taskPurity() {
        long inTop = 0;
        long all = 0;
        for (int[] row : nearest) {
            int top = 0;
            for (int n : row) {
                top = Math.max(top, n);
                all += n;
            }
            inTop += top;
        }
        return all == 0 ? Double.NaN : (double) inTop / all;
    }

    /**
     * Returns, for each cluster, how many different tasks have examples nearest to it (a cluster that
     * mixes many tasks is about something else than the task).
     *
     * @return {@code [k]}
     */
    public int[] tasksPerCluster() {
        int[] out = new int[clusters];
        for (int[] row : nearest) {
            for (int c = 0; c < clusters; c++) {
                if (row[c] > 0) {
                    out[c]++;
                }
            }
        }
        return out;
    }
}
