package org.routelab.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.Losses;

/** Per-sequence scores from teacher-forced logits. */
public final class SequenceScores {
    private SequenceScores() {}

    /**
     * Returns each row's mean per-token negative log-likelihood over its non-padding targets: the
     * length-normalised score the papers' rank classification compares across answer choices.
     *
     * @param logits {@code [B, T, V]}
     * @param labels {@code [B, T]} with {@link Losses#IGNORE_INDEX} on padding
     * @return {@code B} scores (lower is more likely)
     */
    public static float[] meanNll(NDArray logits, NDArray labels) {
        NDArray nll = Losses.tokenNll(logits, labels).sum(new int[] {1});
        NDArray counts = labels.neq(Losses.IGNORE_INDEX).toType(DataType.FLOAT32, false).sum(new int[] {1});
        float[] sums = nll.toFloatArray();
        float[] n = counts.toFloatArray();
        float[] out = new float[sums.length];
        for (int i = 0; i < out.length; i++) {
            if (n[i] == 0) {
                throw new IllegalArgumentException("row " + i + " has no target tokens to score");
            }
            out[i] = sums[i] / n[i];
        }
        return out;
    }

    /**
     * Returns the index of the lowest score (the chosen answer); ties go to the first.
     *
     * @param scores the scores of one example's answer choices
     * @return the index of the minimum
     */
    public static int argmin(float[] scores) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("no scores");
        }
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] < scores[best]) {
                best = i;
            }
        }
        return best;
    }
}
