package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.JDKRandomGenerator;
import org.routelab.nn.Scalars;

/**
 * T-REX's semantic intuition: k-means centroids of the training examples' sentence embeddings, and
 * for any example the vector of its affinities to them, which {@link RankOneRouter} blends into its
 * expert weights ({@code k = I*J}, one centroid per rank-one expert).
 *
 * <p>As in the reference implementation ({@code relate_score = centroids @ emb} with {@code emb}
 * L2-normalised): embeddings are L2-normalised, k-means (k-means++ seeding, Euclidean distance,
 * Apache Commons Math) runs on the normalised embeddings, the centroids are the clusters' means, not
 * normalised again, and the prior is the plain dot product of the normalised embedding with each
 * centroid, with no softmax. An example close to a centroid therefore scores near 1 there.
 */
public final class IntuitionPrior {
    /** The most Lloyd iterations of a fit (scikit-learn's default). */
    public static final int MAX_ITERATIONS = 300;
    private static final float NORM_EPS = 1e-12f;

    private final float[][] centroids;

    private IntuitionPrior(float[][] centroids) {
        this.centroids = centroids;
    }

    /**
     * Fits {@code k} centroids to embeddings.
     *
     * @param embeddings {@code [N, d]}, one per training example (normalised here)
     * @param k the number of clusters ({@code I*J} for T-REX)
     * @param seed seeds k-means++: equal inputs and seeds give equal centroids
     * @return the prior
     * @throws IllegalArgumentException if there are fewer than {@code k} embeddings
     */
    public static IntuitionPrior fit(NDArray embeddings, int k, long seed) {
        Shape s = embeddings.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("embeddings must be [examples, features], got " + s);
        }
        int n = (int) s.get(0);
        int d = (int) s.get(1);
        if (k < 1 || n < k) {
            throw new IllegalArgumentException("k-means with k = " + k + " needs at least k embeddings, got " + n);
        }
        float[] values = normalise(embeddings).toType(DataType.FLOAT32, false).toFloatArray();
        List<DoublePoint> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] p = new double[d];
            for (int j = 0; j < d; j++) {
                p[j] = values[i * d + j];
            }
            points.add(new DoublePoint(p));
        }
        JDKRandomGenerator random = new JDKRandomGenerator();
        random.setSeed(seed);
        List<CentroidCluster<DoublePoint>> clusters =
                new KMeansPlusPlusClusterer<DoublePoint>(k, MAX_ITERATIONS, new EuclideanDistance(), random)
                        .cluster(points);
        float[][] centroids = new float[k][d];
        for (int c = 0; c < k; c++) {
            double[] center = clusters.get(c).getCenter().getPoint();
            for (int j = 0; j < d; j++) {
                centroids[c][j] = (float) center[j];
            }
        }
        return new IntuitionPrior(centroids);
    }

    /**
     * Wraps known centroids (e.g. saved from an earlier fit).
     *
     * @param centroids {@code [k][d]}
     * @return the prior
     */
    public static IntuitionPrior of(float[][] centroids) {
        if (centroids.length == 0) {
            throw new IllegalArgumentException("an intuition needs at least one centroid");
        }
        float[][] copy = new float[centroids.length][];
        for (int c = 0; c < centroids.length; c++) {
            if (centroids[c].length != centroids[0].length) {
                throw new IllegalArgumentException("centroid " + c + " has " + centroids[c].length
                        + " features, centroid 0 has " + centroids[0].length);
            }
            copy[c] = centroids[c].clone();
        }
        return new IntuitionPrior(copy);
    }

    /** Returns the number of centroids {@code k}. */
    public int clusters() {
        return centroids.length;
    }

    /** Returns the embeddings' size {@code d}. */
    public int dimension() {
        return centroids[0].length;
    }

    /** Returns a copy of the centroids, {@code [k][d]}. */
    public float[][] centroids() {
        float[][] copy = new float[centroids.length][];
        for (int c = 0; c < centroids.length; c++) {
            copy[c] = centroids[c].clone();
        }
        return copy;
    }

    /**
     * Returns each example's affinities to the centroids.
     *
     * @param embeddings {@code [B, d]}
     * @return {@code [B, k]} float32 in the embeddings' manager: the normalised embedding's dot
     *     product with each centroid (no gradient)
     * @throws IllegalArgumentException if the embeddings' size is not the centroids'
     */
    public NDArray prior(NDArray embeddings) {
        Shape s = embeddings.getShape();
        if (s.dimension() != 2 || s.get(1) != dimension()) {
            throw new IllegalArgumentException("embeddings must be [batch, " + dimension() + "], got " + s);
        }
        int k = centroids.length;
        float[] flat = new float[k * dimension()];
        for (int c = 0; c < k; c++) {
            System.arraycopy(centroids[c], 0, flat, c * dimension(), dimension());
        }
        NDArray c = embeddings.getManager().create(flat, new Shape(k, dimension()));
        return normalise(embeddings.stopGradient()).matMul(c.transpose());
    }

    /** L2-normalises rows (float32), as {@code F.normalize(x, dim=1)}. */
    private static NDArray normalise(NDArray x) {
        NDArray f = x.toType(DataType.FLOAT32, false);
        return f.div(Scalars.maximum(f.norm(new int[] {1}, true), NORM_EPS));
    }
}
