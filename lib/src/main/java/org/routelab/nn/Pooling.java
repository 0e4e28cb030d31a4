package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Reductions of hidden states over the positions of a sequence. */
public final class Pooling {
    private Pooling() {}

    /**
     * Averages each row's states over its real tokens.
     *
     * @param states {@code [B, L, d]}
     * @param mask {@code [B, L]}, 1 for real tokens and 0 for padding (any numeric type)
     * @return {@code [B, d]} float32; a row without real tokens gives zeros
     */
    public static NDArray maskedMean(NDArray states, NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(-1);
        NDArray sums = states.toType(DataType.FLOAT32, false).mul(m).sum(new int[] {1});
        NDArray counts = Scalars.maximum(m.sum(new int[] {1}), 1f);
        return sums.div(counts);
    }
}
