package org.routelab.method;

/**
 * A method's learning rates for its experts on the built-in default protocol (100 multi-task steps of
 * 64 examples on the tiny backbone, then 10 few-shot steps), where the papers' rates (1e-3 for 100k
 * steps on T5-XL, 3e-3 for 1000 few-shot steps) barely move the adapters. Routing logits have their own
 * rate, common to all methods ({@link #ROUTING}).
 *
 * @param multitask the experts' multi-task learning rate
 * @param adaptation the experts' few-shot learning rate
 */
public record LearningRates(float multitask, float adaptation) {
    /**
     * LoRA-style experts (LoRA, Poly, MHR, MoE-LoRA, OrchMoE). On the tiny backbone a step costs about
     * the same at 16 or 64 examples, so the protocol trains few large batches with rates raised to match.
     */
    public static final LearningRates LORA_STYLE = new LearningRates(3e-2f, 3e-2f);

    /**
     * The routing logits' learning rate, in multi-task training and adaptation. The papers' 0.1 is for
     * 1000 few-shot steps; in 10 the logits of a new task barely leave uniform, so route-only (-z)
     * adaptation cannot pick experts (measured: Poly-z 0.06 at 0.1, 0.80 at 1.0).
     */
    public static final float ROUTING = 1f;

    /** Validates the values. */
    public LearningRates {
        if (!(multitask > 0) || !(adaptation > 0) || Float.isInfinite(multitask) || Float.isInfinite(adaptation)) {
            throw new IllegalArgumentException("learning rates must be positive and finite, got " + multitask
                    + " and " + adaptation);
        }
    }
}
