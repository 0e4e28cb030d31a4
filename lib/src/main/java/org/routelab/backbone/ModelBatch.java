package org.routelab.backbone;

import ai.djl.ndarray.NDArray;
import org.routelab.nn.Losses;

/**
 * A padded batch in a backbone's own layout (encoder/decoder arrays for T5, one concatenated sequence
 * for decoder-only models), with labels aligned position by position to the logits the backbone
 * returns for it. Losses, rank classification and the T-Few loss only look at logits and labels, so
 * they serve every backbone.
 */
public interface ModelBatch extends AutoCloseable {
    /**
     * Returns the target ids aligned with the logits, {@link Losses#IGNORE_INDEX} wherever no target
     * token is predicted (padding, and the prompt of a decoder-only model).
     *
     * @return {@code [B, T]} int64
     */
    NDArray labels();

    /** Returns the number of examples. */
    default int size() {
        return (int) labels().getShape().get(0);
    }

    /** Returns the number of predicted target tokens. */
    default long targetTokens() {
        try (NDArray counted = labels().neq(Losses.IGNORE_INDEX); NDArray sum = counted.sum()) {
            return sum.getLong();
        }
    }

    /** Frees the batch's own arrays (not results computed from them). */
    @Override
    void close();
}
