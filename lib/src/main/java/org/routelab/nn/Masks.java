package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Additive attention masks: 0 where attention is allowed, a large negative value where not. */
public final class Masks {
    /** The value added to masked scores; finite so fully masked rows stay NaN-free. */
    public static final float MASKED = -1e9f;

    private Masks() {}

    /**
     * Turns a key padding mask into an additive bias.
     *
     * @param keyMask {@code [B, Lk]} with 1 for real tokens and 0 for padding (any numeric type)
     * @return {@code [B, 1, 1, Lk]} float32 bias
     */
    public static NDArray padding(NDArray keyMask) {
        Shape s = keyMask.getShape();
        NDArray m = keyMask.toType(DataType.FLOAT32, false);
        return m.sub(1f).mul(-MASKED).reshape(s.get(0), 1, 1, s.get(1));
    }

    /**
     * Builds a causal bias where query {@code i} (at absolute position {@code offset + i}) sees keys
     * {@code 0..offset+i}.
     *
     * @param manager where the mask is created
     * @param queries the number of queries
     * @param keys the number of keys (past plus current)
     * @return {@code [1, 1, queries, keys]} float32 bias
     */
    public static NDArray causal(NDManager manager, int queries, int keys) {
        return causal(manager, queries, keys, 0);
    }

    /**
     * Builds a causal bias that also limits how far back a query looks (Mistral's sliding window):
     * query {@code i} (at absolute position {@code p = offset + i}) sees keys {@code j} with
     * {@code p - window < j <= p}, its own position included, as Hugging Face's sliding-window mask.
     *
     * @param manager where the mask is created
     * @param queries the number of queries
     * @param keys the number of keys (past plus current)
     * @param window the number of positions a query sees, or 0 for no limit
     * @return {@code [1, 1, queries, keys]} float32 bias
     */
    public static NDArray causal(NDManager manager, int queries, int keys, int window) {
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 0, got " + window);
        }
        int offset = keys - queries;
        float[] bias = new float[queries * keys];
        for (int i = 0; i < queries; i++) {
            int position = offset + i;
            for (int j = 0; j < keys; j++) {
                if (j > position || (window > 0 && j <= position - window)) {
                    bias[i * keys + j] = MASKED;
                }
            }
        }
        return manager.create(bias, new Shape(1, 1, queries, keys));
    }
}
