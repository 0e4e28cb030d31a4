package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import org.routelab.nn.RandomStream;

/**
 * The entangled tensors of TLoRA and TensorPoly: a matrix {@code [r, d]} whose rows are Kronecker
 * products of {@code N} small leaves of size {@code l = ceil(d^(1/N))}, truncated to {@code d}. As in
 * the reference, each pairwise Kronecker product is followed by a layer normalisation without affine
 * parameters over the whole {@code [r, length]} matrix (the reference normalises order-2 products; we
 * normalise after every product of the left fold so that every order gets the same treatment).
 */
public final class EntangledTensor {
    /** The layer normalisation epsilon (PyTorch's LayerNorm default). */
    public static final float LAYER_NORM_EPS = 1e-5f;

    private EntangledTensor() {}

    /**
     * Returns the leaf size: the smallest {@code l} with {@code l^order >= d}.
     *
     * @param d the full size
     * @param order the tensor order {@code N}
     * @return {@code ceil(d^(1/N))}, computed exactly
     */
    public static int leafSize(int d, int order) {
        if (d < 1 || order < 1) {
            throw new IllegalArgumentException("need d >= 1 and order >= 1, got d=" + d + ", order=" + order);
        }
        int l = (int) Math.ceil(Math.pow(d, 1.0 / order));
        while (l > 1 && Math.pow(l - 1, order) >= d) {
            l--;
        }
        while (Math.pow(l, order) < d) {
            l++;
        }
        return l;
    }

    /**
     * Draws leaves as the reference does: {@code U(-s, s)} with {@code s = sqrt(1/3) / fanIn^(1/N)}
     * (kaiming-uniform's gain over a leaf-scale fan-in), from {@code random}.
     *
     * @param manager owns the leaves
     * @param fanIn the projection's input size (the reference scales both factors by it)
     * @param d the size the leaves span
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R}
     * @param order the tensor order {@code N}
     * @param random the stream the initial values are drawn from
     * @param dataType the data type
     * @return {@code [N, R, r, leafSize(d, N)]}
     */
    public static NDArray randomLeaves(NDManager manager, int fanIn, int d, int rank, int tensorRank, int order,
            RandomStream random, DataType dataType) {
        if (rank < 1 || tensorRank < 1) {
            throw new IllegalArgumentException(
                    "rank and tensor rank must be positive, got r=" + rank + ", R=" + tensorRank);
        }
        float bound = (float) (Math.sqrt(1.0 / 3.0) / Math.pow(fanIn, 1.0 / order));
        return random.uniform(manager, -bound, bound, new Shape(order, tensorRank, rank, leafSize(d, order)), dataType);
    }

    /**
     * Builds products of leaves: for each of {@code P} independent sets of leaves, the row-wise
     * Kronecker product {@code leaf_1 kron leaf_2 kron ... kron leaf_N} of each of the {@code r} rows,
     * normalised after each product and truncated to {@code d}.
     *
     * @param leaves {@code [N, P, r, l]}, an activation of the step scope (see {@link StepScope})
     * @param d the output size, at most {@code l^N}
     * @return {@code [P, r, d]} in the leaves' manager
     */
    public static NDArray build(NDArray leaves, int d) {
        Shape s = leaves.getShape();
        long p = s.get(1);
        long r = s.get(2);
        NDArray acc = leaves.get(0);
        for (int i = 1; i < s.get(0); i++) {
            NDArray next = leaves.get(i);
            long length = acc.getShape().get(2) * next.getShape().get(2);
            acc = layerNorm(acc.expandDims(3).mul(next.expandDims(2)).reshape(p, r, length));
        }
        if (acc.getShape().get(2) < d) {
            throw new IllegalArgumentException("leaves of size " + s.get(3) + " and order " + s.get(0)
                    + " span " + acc.getShape().get(2) + " < d = " + d);
        }
        return acc.getShape().get(2) == d ? acc : acc.get(":, :, :{}", d);
    }

    /** Normalises each {@code [r, length]} matrix to zero mean and unit variance. */
    private static NDArray layerNorm(NDArray x) {
        // One fused operation; identity affine parameters, as nothing of the normalisation trains.
        Shape matrix = x.getShape().slice(1);
        NDManager scope = x.getManager();
        return LayerNorm.layerNorm(x, matrix, scope.ones(matrix, x.getDataType()), scope.zeros(matrix, x.getDataType()),
                LAYER_NORM_EPS).singletonOrThrow();
    }
}
