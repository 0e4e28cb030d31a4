package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Token-level losses. */
public final class Losses {
    /** Label value of positions that do not count (padding), as in Hugging Face. */
    public static final int IGNORE_INDEX = -100;

    private Losses() {}

    /**
     * Per-token negative log-likelihood; ignored positions get 0.
     *
     * @param logits {@code [B, L, V]}
     * @param labels {@code [B, L]} integer labels, {@link #IGNORE_INDEX} where ignored
     * @return {@code [B, L]} float32 NLL
     */
    public static NDArray tokenNll(NDArray logits, NDArray labels) {
        NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
        NDArray valid = labels.neq(IGNORE_INDEX);
        NDArray safe = labels.mul(valid.toType(labels.getDataType(), false)).toType(DataType.INT64, false);
        NDArray picked = logProbs.gather(safe.expandDims(-1), -1).squeeze(-1);
        return picked.neg().mul(valid.toType(DataType.FLOAT32, false));
    }

    /**
     * Mean token cross-entropy over non-ignored positions (teacher-forced LM loss).
     *
     * @param logits {@code [B, L, V]}
     * @param labels {@code [B, L]} with {@link #IGNORE_INDEX} for padding
     * @return scalar float32 loss
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray nll = tokenNll(logits, labels);
        NDArray count = labels.neq(IGNORE_INDEX).toType(DataType.FLOAT32, false).sum().maximum(1f);
        return nll.sum().div(count);
    }
}
