package org.routelab.analysis;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * A labelled matrix of cosine similarities between vectors: tasks by their routing, experts by their
 * weights. Shown with {@code Charts.heatmap}; {@link Clustering} groups the labels by it.
 *
 * @param labels one label per vector
 * @param matrix {@code [n][n]} cosine similarities in {@code [-1, 1]}, 1 on the diagonal (0 for a
 *     zero vector)
 */
public record Similarity(List<String> labels, double[][] matrix) {
    /** Checks that there is one row and one column per label. */
    public Similarity {
        labels = List.copyOf(labels);
        if (matrix.length != labels.size()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + matrix.length + " rows");
        }
    }

    /**
     * Computes the cosine similarity of every pair of vectors.
     *
     * @param labels one label per vector
     * @param vectors {@code [n][d]}, equal lengths
     * @return the similarities
     * @throws IllegalArgumentException if the vectors' lengths differ or the labels do not match them
     */
    public static Similarity cosine(List<String> labels, double[][] vectors) {
        int n = vectors.length;
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            if (vectors[i].length != vectors[0].length) {
                throw new IllegalArgumentException("vector " + i + " has " + vectors[i].length + " values, vector 0 has "
                        + vectors[0].length);
            }
            norms[i] = Math.sqrt(dot(vectors[i], vectors[i]));
        }
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double c = norms[i] == 0 || norms[j] == 0 ? (i == j ? 1 : 0)
                        : dot(vectors[i], vectors[j]) / (norms[i] * norms[j]);
                m[i][j] = c;
                m[j][i] = c;
            }
        }
        return new Similarity(labels, m);
    }

    /**
     * Computes the cosine similarity of the vectors' deviations from their mean: for routing profiles,
     * how alike two tasks are in the way each departs from the average routing (raw routing weights
     * are all positive, so their plain cosines are all close to 1).
     *
     * @param labels one label per vector
     * @param vectors {@code [n][d]}, equal lengths
     * @return the similarities
     */
    public static Similarity centredCosine(List<String> labels, double[][] vectors) {
        double[] mean = new double[vectors.length == 0 ? 0 : vectors[0].length];
        for (double[] v : vectors) {
            for (int j = 0; j < mean.length && j < v.length; j++) {
                mean[j] += v[j] / vectors.length;
            }
        }
        double[][] centred = new double[vectors.length][];
        for (int i = 0; i < vectors.length; i++) {
            centred[i] = vectors[i].clone();
            for (int j = 0; j < mean.length && j < centred[i].length; j++) {
                centred[i][j] -= mean[j];
            }
        }
        return cosine(labels, centred);
    }

    /**
     * Mean similarities of two kinds of pairs.
     *
     * @param related the mean over related pairs (NaN if none)
     * @param unrelated the mean over the other pairs (NaN if none)
     */
    public record Split(double related, double unrelated) {}

    /**
     * Averages the similarity of related and of unrelated pairs of different labels, e.g. tasks that
     * share a skill against tasks that do not.
     *
     * @param related whether two labels are related
     * @return the two means
     */
    public Split meanBy(BiPredicate<String, String> related) {
        double[] sum = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < matrix.length; i++) {
            for (int j = i + 1; j < matrix.length; j++) {
                int k = related.test(labels.get(i), labels.get(j)) ? 0 : 1;
                sum[k] += matrix[i][j];
                count[k]++;
            }
        }
        return new Split(count[0] == 0 ? Double.NaN : sum[0] / count[0], count[1] == 0 ? Double.NaN : sum[1] / count[1]);
    }

    /**
     * Returns the mean similarity between different vectors (the diagonal left out): how alike the
     * set is as a whole.
     *
     * @return the mean over pairs, or NaN for fewer than two vectors
     */
    public double meanOffDiagonal() {
        int n = matrix.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    sum += matrix[i][j];
                }
            }
        }
        return n < 2 ? Double.NaN : sum / (n * (n - 1.0));
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
