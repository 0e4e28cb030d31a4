package org.routelab.method;

/**
 * T-REX's options (reference defaults: I = 4, J = 8, c = 4, intuition and token router on).
 *
 * @param down the rank-one down projections {@code I}
 * @param up the rank-one up projections {@code J}; {@code I*J} rank-one experts
 * @param priorScale the intuition prior's scale {@code c}
 * @param intuition whether the intuition prior is blended in (off: the "no intuition" ablation,
 *     {@code omega = 1})
 * @param tokenRouter whether the per-token router is used (off: the "no router" ablation, experts
 *     weighed by the prior alone)
 */
public record TRexOptions(int down, int up, float priorScale, boolean intuition, boolean tokenRouter) {
    /** The reference settings. */
    public static final TRexOptions DEFAULT = new TRexOptions(4, 8, 4f, true, true);

    /** Validates the values, naming the first bad one. */
    public TRexOptions {
        if (down < 1 || up < 1) {
            throw new IllegalArgumentException("trex needs at least one down and one up projection, got I = " + down
                    + ", J = " + up);
        }
        if (!Float.isFinite(priorScale)) {
            throw new IllegalArgumentException("trex prior scale c must be finite, got " + priorScale);
        }
        if (!intuition && !tokenRouter) {
            throw new IllegalArgumentException("trex needs its token router, its intuition, or both; both are off");
        }
    }

    /** Returns the number of rank-one experts {@code I*J} (and of intuition clusters). */
    public int cells() {
        return down * up;
    }

    /** Returns a copy with {@code i} down and {@code j} up projections. */
    public TRexOptions withExperts(int i, int j) {
        return new TRexOptions(i, j, priorScale, intuition, tokenRouter);
    }

    /** Returns a copy with prior scale {@code c}. */
    public TRexOptions withPriorScale(float c) {
        return new TRexOptions(down, up, c, intuition, tokenRouter);
    }

    /** Returns a copy with the intuition on or off. */
    public TRexOptions withIntuition(boolean on) {
        return new TRexOptions(down, up, priorScale, on, tokenRouter);
    }

    /** Returns a copy with the token router on or off. */
    public TRexOptions withTokenRouter(boolean on) {
        return new TRexOptions(down, up, priorScale, intuition, on);
    }
}
