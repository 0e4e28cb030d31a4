package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;

/**
 * The entangled tensors of TLoRA and TensorPoly: a matrix {@code [r, d]} whose rows are Kronecker
 * products of {@code N} small leaves of size {@code l = ceil(d^(1/N))}, truncated to {@code d}.
 *
 * <p>The products are built as the reference builds them: leaves are multiplied in pairs, each pairwise
 * product is followed by a layer normalisation without affine parameters over the whole {@code [r, l^2]}
 * matrix, and the normalised pairs are then multiplied together without further normalisation. Order 2
 * is {@code LN(l1 x l2)}, order 4 {@code LN(l1 x l2) x LN(l3 x l4)}, order 8
 * {@code (LN(l1 x l2) x LN(l3 x l4)) x (LN(l5 x l6) x LN(l7 x l8))}; an odd leaf left over at a level
 * joins the next one as it is (order 1 is the leaf itself).
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
     * Draws leaves as the reference's TLoRA and TensorPoly-I do, at every order: {@code U(-s, s)} with
     * {@code s = sqrt(1/3) / sqrt(fanIn)} (kaiming-uniform's gain for {@code a = sqrt 5} over the
     * projection's fan-in), from {@code random}.
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
        Shape shape = leafShape(d, rank, tensorRank, order);
        float bound = (float) (Math.sqrt(1.0 / 3.0) / Math.sqrt(fanIn));
        return random.uniform(manager, -bound, bound, shape, dataType);
    }

    /**
     * Draws leaves as the reference's TensorPoly-II does: xavier-uniform over the whole
     * {@code [N, R, r, l]} tensor, as PyTorch computes fans for it ({@code fan_in = R r l},
     * {@code fan_out = N r l}), so {@code U(-s, s)} with {@code s = sqrt(6 / ((N + R) r l))}.
     *
     * @param manager owns the leaves
     * @param d the size the leaves span
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R}
     * @param order the tensor order {@code N}
     * @param random the stream the initial values are drawn from
     * @param dataType the data type
     * @return {@code [N, R, r, leafSize(d, N)]}
     */
    public static NDArray xavierLeaves(NDManager manager, int d, int rank, int tensorRank, int order,
            RandomStream random, DataType dataType) {
        Shape shape = leafShape(d, rank, tensorRank, order);
        double receptive = (double) rank * shape.get(3);
        float bound = (float) Math.sqrt(6.0 / ((tensorRank + order) * receptive));
        return random.uniform(manager, -bound, bound, shape, dataType);
    }

    private static Shape leafShape(int d, int rank, int tensorRank, int order) {
        if (rank < 1 || tensorRank < 1) {
            throw new IllegalArgumentException(
                    "rank and tensor rank must be positive, got r=" + rank + ", R=" + tensorRank);
        }
        return new Shape(order, tensorRank, rank, leafSize(d, order));
    }

    /**
     * Builds products of leaves: for each of {@code P} independent sets of leaves, the row-wise
     * Kronecker product {@code leaf_1 kron leaf_2 kron ... kron leaf_N} of each of the {@code r} rows,
     * with the pairwise products normalised (see the class comment) and truncated to {@code d}.
     *
     * @param leaves {@code [N, P, r, l]}, an activation of the step scope (see {@link StepScope})
     * @param d the output size, at most {@code l^N}
     * @return {@code [P, r, d]} in the leaves' manager
     */
    public static NDArray build(NDArray leaves, int d) {
        return build(leaves, d, 1f);
    }

    /**
     * Builds products of leaves: for each of {@code P} independent sets of leaves, the row-wise
     * Kronecker product {@code leaf_1 kron leaf_2 kron ... kron leaf_N} of each of the {@code r} rows,
     * with the pairwise products normalised (see the class comment), truncated to {@code d} and times
     * {@code scale}. The scale is the gain of the first layer normalisation, which the whole product is
     * linear in, so that it costs no pass of its own over (possibly per-example) products.
     *
     * @param leaves {@code [N, P, r, l]}, an activation of the step scope (see {@link StepScope})
     * @param d the output size, at most {@code l^N}
     * @param scale the factor
     * @return {@code [P, r, d]} in the leaves' manager
     */
    public static NDArray build(NDArray leaves, int d, float scale) {
        return build(leaves, d, scale, false);
    }

    /**
     * Builds the same products as {@link #build(NDArray, int, float)}, transposed: from leaves given
     * column by column, {@code [N, P, l, r]}, the matrices {@code [P, d, r]}. A factor that multiplies
     * inputs from the right ({@code x A^T}) is wanted in this layout: built so, neither it nor its
     * gradient is ever copied into the other layout, which for per-example factors is a pass over the
     * largest tensors of the step.
     *
     * @param columns the leaves, each transposed: {@code [N, P, l, r]}, an activation of the step scope
     * @param d the output size, at most {@code l^N}
     * @param scale the factor
     * @return {@code [P, d, r]} in the leaves' manager: each set's {@code build} result transposed
     */
    public static NDArray buildColumns(NDArray columns, int d, float scale) {
        return build(columns, d, scale, true);
    }

    /**
     * Builds products of rows ({@code [N, P, r, l]} to {@code [P, r, d]}) or of columns
     * ({@code [N, P, l, r]} to {@code [P, d, r]}); the layer normalisations see the same elements either
     * way.
     */
    private static NDArray build(NDArray leaves, int d, float scale, boolean columns) {
        Shape s = leaves.getShape();
        long sets = s.get(1);
        long rows = columns ? s.get(3) : s.get(2);
        long leaf = columns ? s.get(2) : s.get(3);
        // one split, whose backward is one concatenation, where a select per leaf would scatter each
        // leaf's gradient into zeros of the whole tensor; the products reshape the [1, P, ...] pieces
        List<NDArray> level = new ArrayList<>(s.get(0) == 1 ? new NDList(leaves) : leaves.split(s.get(0), 0));
        float gain = scale;
        boolean pairsOfLeaves = true;
        while (level.size() > 1) {
            List<NDArray> next = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                NDArray product = kron(level.get(i), level.get(i + 1), sets, rows, columns);
                if (pairsOfLeaves) {
                    product = layerNorm(product, gain);
                    gain = 1f;
                }
                next.add(product);
            }
            if (level.size() % 2 == 1) {
                next.add(level.get(level.size() - 1));
            }
            level = next;
            pairsOfLeaves = false;
        }
        NDArray top = level.get(0);
        if (top.getShape().dimension() == 4) {
            top = columns ? top.reshape(sets, leaf, rows) : top.reshape(sets, rows, leaf); // order 1: the leaf itself
        }
        NDArray full = gain == 1f ? top : Scalars.mul(top, gain);
        long length = full.getShape().get(columns ? 1 : 2);
        if (length < d) {
            throw new IllegalArgumentException("leaves of size " + leaf + " and order " + s.get(0)
                    + " span " + length + " < d = " + d);
        }
        if (length == d) {
            return full;
        }
        // one slice of the last axis: an index that names every axis slices each of them, and in
        // backward each slice writes its gradient into zeros of the whole product; columns keep
        // their first d rows of r, which are the first d r elements of each set
        return columns
                ? full.reshape(sets, length * rows).get("..., :{}", d * rows).reshape(sets, d, rows)
                : full.get("..., :{}", d);
    }

    /**
     * The row-wise Kronecker product of {@code P x r} rows of lengths {@code a} and {@code b}:
     * {@code [P, r, a b]}, or of columns of those lengths, {@code [P, a b, r]}.
     */
    private static NDArray kron(NDArray left, NDArray right, long sets, long rows, boolean columns) {
        long a = length(left, columns);
        long b = length(right, columns);
        if (columns) {
            return left.reshape(sets, a, 1, rows).mul(right.reshape(sets, 1, b, rows)).reshape(sets, a * b, rows);
        }
        return left.reshape(sets, rows, a, 1).mul(right.reshape(sets, rows, 1, b)).reshape(sets, rows, a * b);
    }

    /** The length of the rows ({@code [..., r, l]}) or columns ({@code [..., l, r]}) of a leaf or product. */
    private static long length(NDArray t, boolean columns) {
        Shape s = t.getShape();
        return s.get(s.dimension() - (columns ? 2 : 1));
    }

    /**
     * Normalises each matrix ({@code [r, length]} or {@code [length, r]}) to zero mean and unit variance,
     * times {@code gain}.
     */
    private static NDArray layerNorm(NDArray x, float gain) {
        // One fused operation; constant affine parameters, as nothing of the normalisation trains.
        Shape matrix = x.getShape().slice(1);
        NDManager scope = x.getManager();
        return LayerNorm.layerNorm(x, matrix, scope.full(matrix, gain, x.getDataType()),
                scope.zeros(matrix, x.getDataType()), LAYER_NORM_EPS).singletonOrThrow();
    }
}
