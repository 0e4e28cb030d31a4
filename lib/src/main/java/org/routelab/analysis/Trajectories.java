package org.routelab.analysis;

import java.util.ArrayList;
import java.util.List;
import org.routelab.experiment.AdapterWeights;

/**
 * The path some trained parameters take during multi-task training, projected on its own first
 * principal components: the T-REX paper's router trajectories. Each snapshot's selected parameters are
 * flattened into one point; the points are centred and projected on the top principal directions of
 * the path (found from the snapshots' Gram matrix, so the parameters' size does not matter). A path
 * that heads straight for its end point converges smoothly; one that wanders, less so.
 */
public final class Trajectories {
    private static final int POWER_ITERATIONS = 500;

    private Trajectories() {}

    /**
     * Projects the snapshots' parameters whose path ends with {@code suffix} (e.g. {@code
     * ".router.weight"}, T-REX's and MoE-LoRA's token routers) on the path's first principal components.
     *
     * @param snapshots in training order, e.g. a result's snapshots followed by its final weights
     * @param suffix which parameters to follow
     * @param components how many coordinates (3 for a 3-D plot)
     * @return {@code [snapshots][components]}; components beyond the path's rank are 0
     * @throws IllegalArgumentException if a snapshot has none of the parameters, or they differ in size
     */
    public static double[][] principalPath(List<AdapterWeights> snapshots, String suffix, int components) {
        List<double[]> points = new ArrayList<>();
        for (AdapterWeights w : snapshots) {
            List<float[]> parts = new ArrayList<>(w.endingWith(suffix).values());
            int size = parts.stream().mapToInt(p -> p.length).sum();
            if (size == 0) {
                throw new IllegalArgumentException("snapshot at step " + w.step() + " has no parameter ending with '"
                        + suffix + "'");
            }
            double[] point = new double[size];
            int at = 0;
            for (float[] p : parts) {
                for (float v : p) {
                    point[at++] = v;
                }
            }
            if (!points.isEmpty() && points.get(0).length != size) {
                throw new IllegalArgumentException("snapshots differ in size: " + points.get(0).length + " vs " + size);
            }
            points.add(point);
        }
        return project(points.toArray(double[][]::new), components);
    }

    /**
     * Projects points on their first principal components.
     *
     * @param points {@code [n][d]}
     * @param components how many coordinates
     * @return {@code [n][components]}, the scores along the top principal directions (largest first)
     */
    static double[][] project(double[][] points, int components) {
        int n = points.length;
        double[] mean = new double[points[0].length];
        for (double[] p : points) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += p[j] / n;
            }
        }
        double[][] centred = new double[n][];
        for (int i = 0; i < n; i++) {
            centred[i] = points[i].clone();
            for (int j = 0; j < mean.length; j++) {
                centred[i][j] -= mean[j];
            }
        }
        // The scores are the Gram matrix's eigenvectors scaled by sqrt(eigenvalue): n x n, not d x d.
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = i; k < n; k++) {
                gram[i][k] = Similarity.dot(centred[i], centred[k]);
                gram[k][i] = gram[i][k];
            }
        }
        double[][] scores = new double[n][components];
        for (int c = 0; c < Math.min(components, n); c++) {
            double[] v = topEigenvector(gram);
            double lambda = Similarity.dot(v, multiply(gram, v));
            if (lambda <= 1e-12) {
                break;
            }
            for (int i = 0; i < n; i++) {
                scores[i][c] = v[i] * Math.sqrt(lambda);
            }
            // Deflate, so the next power iteration finds the next direction.
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < n; k++) {
                    gram[i][k] -= lambda * v[i] * v[k];
                }
            }
        }
        return scores;
    }

    private static double[] topEigenvector(double[][] m) {
        int n = m.length;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 1 + i; // any start not orthogonal to the top direction; deterministic
        }
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            double[] next = multiply(m, v);
            double norm = Math.sqrt(Similarity.dot(next, next));
            if (norm == 0) {
                return v;
            }
            for (int i = 0; i < n; i++) {
                v[i] = next[i] / norm;
            }
        }
        return v;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Similarity.dot(m[i], v);
        }
        return out;
    }
}
