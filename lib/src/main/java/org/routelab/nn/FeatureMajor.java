package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Small projections of every token laid out feature-major, {@code [k, B*L]}, for the routers and
 * experts of input-routed adapters, whose outputs have a handful of features per token (8 experts,
 * 4 rank-one projections). On PyTorch's CPU engine such work is several times faster with the tokens
 * on the last axis: the product {@code [B*L, d] x [d, 8]} runs 2 to 4 times slower than {@code [8, d] x
 * [d, B*L]}, and a softmax over a last axis of 8 some 20 times slower than over a first axis of 8
 * (measured on PyTorch 2.7.1, one thread); a weight stored {@code [d, k]} and used as {@code x W} also
 * gets its gradient in the slow layout, {@code x^T g}. Values are the same up to rounding.
 */
public final class FeatureMajor {
    private FeatureMajor() {}

    /**
     * Projects every token onto some rows: {@code rows x^T}.
     *
     * @param rows {@code [k, d]}
     * @param x the tokens {@code [B, L, d]} (contiguous, as layer inputs are)
     * @return {@code [k, B*L]}
     */
    public static NDArray project(NDArray rows, NDArray x) {
        Shape s = x.getShape();
        return rows.matMul(x.reshape(s.get(0) * s.get(1), s.get(2)).transpose());
    }

    /**
     * Projects every token onto several blocks of rows that read the same tokens (a router's weight and
     * its experts' ranks) through one product, and hands each block its own part.
     *
     * @param blocks {@code [k_i, d]} each; when there are several, any may be a parameter's own array
     *     (their concatenation is moved into the tokens' manager), a lone block must live in a step scope
     * @param x the tokens {@code [B, L, d]}
     * @return {@code [k_i, B*L]} per block, in order (views of one result: backward is one concatenation)
     */
    public static NDList project(NDList blocks, NDArray x) {
        if (blocks.size() == 1) {
            return new NDList(project(blocks.get(0), x));
        }
        long[] starts = new long[blocks.size() - 1];
        long row = 0;
        for (int i = 0; i < starts.length; i++) {
            row += blocks.get(i).getShape().get(0);
            starts[i] = row;
        }
        // the concatenation lives in its first block's manager, e.g. a parameter's: move it to the tokens'
        NDArray rows = NDArrays.concat(blocks);
        rows.attach(x.getManager());
        return project(rows, x).split(starts, 0);
    }

    /**
     * Lays feature-major values out per token.
     *
     * @param values {@code [k, B*L]}
     * @param xShape the tokens' shape {@code [B, L, d]}
     * @return {@code [B, L, k]} (a copy)
     */
    public static NDArray perToken(NDArray values, Shape xShape) {
        return values.transpose().reshape(xShape.get(0), xShape.get(1), values.getShape().get(0));
    }
}
