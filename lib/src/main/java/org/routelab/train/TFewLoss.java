package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.Losses;
import org.routelab.nn.Scalars;

/**
 * The few-shot loss of T-Few (Liu et al., 2022), used by the papers for adaptation: the sum of the
 * language-modelling loss on the correct answer, an unlikelihood loss that pushes down the tokens of
 * the wrong answers ({@code -log(1 - p)}), and a length-normalised multiple-choice loss (cross-entropy
 * over choices scored by their mean token log-likelihood).
 *
 * <p>Input rows come in groups of {@code choices}: example {@code i}'s choice {@code c} is row
 * {@code i * choices + c}, each with the same encoder input.
 */
public final class TFewLoss {
    private TFewLoss() {}

    /**
     * The three terms and their sum.
     *
     * @param total {@code lm + unlikelihood + lengthNormalised}
     * @param lm cross-entropy of the correct answers' tokens
     * @param unlikelihood mean {@code -log(1 - p)} over the wrong answers' tokens
     * @param lengthNormalised cross-entropy over choices of mean token log-likelihoods
     */
    public record Terms(NDArray total, NDArray lm, NDArray unlikelihood, NDArray lengthNormalised) {}

    /**
     * Computes the loss.
     *
     * @param logits {@code [B * C, T, V]}
     * @param labels {@code [B * C, T]}, {@link Losses#IGNORE_INDEX} on padding
     * @param choices the number of choices per example {@code C}
     * @param correct {@code [B]} int64 index of each example's correct choice
     * @return the terms
     */
    public static Terms compute(NDArray logits, NDArray labels, int choices, NDArray correct) {
        long rows = labels.getShape().get(0);
        if (choices < 2 || rows % choices != 0) {
            throw new IllegalArgumentException(rows + " rows are not whole groups of " + choices + " choices");
        }
        int examples = (int) (rows / choices);
        NDArray mask = labels.neq(Losses.IGNORE_INDEX).toType(DataType.FLOAT32, false);
        NDArray logp = Losses.tokenNll(logits, labels).neg(); // [R, T], 0 on padding
        NDArray isCorrect = correct.toType(DataType.INT64, false).oneHot(choices).reshape(rows).toType(
                DataType.FLOAT32, false); // [R]
        NDArray correctMask = mask.mul(isCorrect.expandDims(1));
        NDArray wrongMask = mask.sub(correctMask);

        NDArray lm = logp.mul(correctMask).sum().neg().div(Scalars.maximum(correctMask.sum(), 1f));

        NDArray oneMinusP = Scalars.maximum(Scalars.add(logp.exp().neg(), 1f), 1e-7f);
        NDArray unlikelihood = oneMinusP.log().mul(wrongMask).sum().neg().div(Scalars.maximum(wrongMask.sum(), 1f));

        NDArray lengths = Scalars.maximum(mask.sum(new int[] {1}), 1f);
        NDArray meanLogp = logp.sum(new int[] {1}).div(lengths).reshape(examples, choices);
        NDArray lengthNormalised = meanLogp.logSoftmax(-1).mul(isCorrect.reshape(examples, choices)).sum()
                .neg().div(meanLogp.getManager().create((float) examples));

        return new Terms(lm.add(unlikelihood).add(lengthNormalised), lm, unlikelihood, lengthNormalised);
    }
}
