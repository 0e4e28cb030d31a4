package org.routelab.method;

/**
 * MoE-LoRA's options.
 *
 * @param experts the number of LoRA experts {@code E}
 * @param topK experts kept per token, renormalised over them; 0 keeps all (soft merge, the default)
 * @param loadBalancing the coefficient of the Switch load-balancing loss each layer adds in training;
 *     0 (the default) adds none
 */
public record MoeLoraOptions(int experts, int topK, float loadBalancing) {
    /** Eight experts (Poly's S), soft merge, no load balancing. */
    public static final MoeLoraOptions DEFAULT = new MoeLoraOptions(8, 0, 0f);

    /** Validates the values, naming the first bad one. */
    public MoeLoraOptions {
        if (experts < 1) {
            throw new IllegalArgumentException("moe-lora experts must be positive, got " + experts);
        }
        if (topK < 0 || topK > experts) {
            throw new IllegalArgumentException("moe-lora top-k must be between 0 (all experts) and the number of"
                    + " experts (" + experts + "), got " + topK);
        }
        if (!(loadBalancing >= 0f) || Float.isInfinite(loadBalancing)) {
            throw new IllegalArgumentException("moe-lora load-balancing coefficient must be >= 0 and finite, got "
                    + loadBalancing);
        }
    }

    /** Returns a copy with {@code e} experts. */
    public MoeLoraOptions withExperts(int e) {
        return new MoeLoraOptions(e, topK, loadBalancing);
    }

    /** Returns a copy keeping the {@code k} most probable experts per token (0: all). */
    public MoeLoraOptions withTopK(int k) {
        return new MoeLoraOptions(experts, k, loadBalancing);
    }

    /** Returns a copy with load-balancing coefficient {@code coefficient} (0: none). */
    public MoeLoraOptions withLoadBalancing(float coefficient) {
        return new MoeLoraOptions(experts, topK, coefficient);
    }
}
