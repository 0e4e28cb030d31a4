package org.routelab.analysis;

import java.util.ArrayList;
import java.util.List;
import org.routelab.analysis.AdapterWeights;

/**
 * The path some trained parameters take during multi-task training, projected on its own first
 * principal components: the T-REX paper's router trajectories. Each snapshot's selected parameters are
 * flattened into one point; the points are centred and projected on the top principal directions of
 * the path (found from the snapshots' Gram matrix, so the parameters' size does not matter). A path
 * that heads straight for its end point converges smoothly; one that wanders, less so.
 */
public final class Trajectories {
    private static final int MAX_SWEEPS = 100;

    private Trajectories() {}

    /**
     * Returns how much parameters wandered along a training path (e.g. an experiment's {@code
     * multitaskPath()}: its snapshots, then its final weights): the length of the path divided by the
     * straight distance from its start to its end (1 for a straight path; larger when the parameters went
     * back and forth).
     *
     * @param snapshots the weights along the path, in order
     * @param suffix which parameters to follow, e.g. {@code ".router.weight"}
     * @return the ratio, at least 1 (NaN if the path does not move)
     * @throws IllegalArgumentException if the path has fewer than two points (no snapshots)
     */
    public static double wandering(List<AdapterWeights> snapshots, String suffix) {
        if (snapshots.size() < 2) {
            throw new IllegalArgumentException("a path needs at least two points; run the experiment with snapshotEvery");
        }
        int points = snapshots.size();
        // With as many components as points, the projection keeps every distance.
        double[][] path = principalPath(snapshots, suffix, points);
        double length = 0;
        for (int i = 1; i < points; i++) {
            length += distance(path[i], path[i - 1]);
        }
        return length / distance(path[points - 1], path[0]);
    }

    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }

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
        double[][] vectors = new double[n][n];
        double[] values = symmetricEigen(gram, vectors);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[][] scores = new double[n][components];
        for (int c = 0; c < Math.min(components, n); c++) {
            double lambda = values[order[c]];
            if (lambda <= 1e-12 * Math.max(1, values[order[0]])) {
                break;
            }
            for (int i = 0; i < n; i++) {
                scores[i][c] = vectors[i][order[c]] * Math.sqrt(lambda);
            }
        }
        return scores;
    }

    /**
     * Eigen-decomposes a symmetric matrix with cyclic Jacobi rotations (exact enough for the few dozen
     * snapshots of a trajectory, and robust to repeated eigenvalues).
     *
     * @param a the matrix, overwritten
     * @param vectors receives the eigenvectors as columns
     * @return the eigenvalues, in the columns' order
     */
    private static double[] symmetricEigen(double[][] a, double[][] vectors) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(vectors[i], 0);
            vectors[i][i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = vectors[k][p];
                        double vkq = vectors[k][q];
                        vectors[k][p] = c * vkp - s * vkq;
                        vectors[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i][i];
        }
        return values;
    }
}
