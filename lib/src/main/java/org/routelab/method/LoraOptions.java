package org.routelab.method;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * LoRA's scale: {@code delta = (alpha / r) x A B}.
 *
 * @param alpha the scale's numerator when it is fixed (ignored when {@code alphaFollowsRank})
 * @param alphaFollowsRank whether {@code alpha = r}, so the scale is 1 at every rank
 */
public record LoraOptions(float alpha, boolean alphaFollowsRank) {
    /**
     * The reference's setting (mttl's LoRA, used by the MHR and TensorPoly experiments): {@code alpha = 1},
     * so the scale is {@code 1/r}, like Poly's and MHR's {@code / r}.
     */
    public static final LoraOptions REFERENCE = new LoraOptions(1f, false);
    /** {@code alpha = r}: scale 1 at every rank (equal to {@link #REFERENCE} at rank 1 only). */
    public static final LoraOptions UNIT_SCALE = new LoraOptions(1f, true);

    /** Validates the value. */
    public LoraOptions {
        if (!(alpha > 0f) || Float.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora alpha must be positive and finite, got " + alpha);
        }
    }

    /** Returns a fixed {@code alpha}. */
    public static LoraOptions withAlpha(float alpha) {
        return new LoraOptions(alpha, false);
    }

    /**
     * Returns {@code alpha} at a rank.
     *
     * @param rank the LoRA rank {@code r}
     * @return {@code r} when alpha follows the rank, else the fixed alpha
     */
    public float alpha(int rank) {
        return alphaFollowsRank ? rank : alpha;
    }

    /**
     * Returns the scale {@code alpha / r} at a rank.
     *
     * @param rank the LoRA rank {@code r}
     * @return the scale
     */
    public float scale(int rank) {
        return alpha(rank) / rank;
    }

    /** Returns the options as text, e.g. {@code alpha=1} or {@code alpha=r}. */
    public String describe() {
        return alphaFollowsRank ? "alpha=r" : "alpha=" + compact(alpha);
    }

    /** Writes a number with at most four significant digits and no trailing zeros: 1, 0.5, 0.3333. */
    static String compact(float v) {
        return new BigDecimal(Float.toString(v)).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
