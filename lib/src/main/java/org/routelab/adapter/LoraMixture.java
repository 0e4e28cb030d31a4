package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

/**
 * E LoRA experts whose outputs are mixed with per-token or per-example weights:
 * {@code delta = sum_e w_e(x) x A_e B_e}, each expert at LoRA's scale 1 ({@code alpha = r}, as the
 * {@code lora} method). Unlike Poly, which averages the factors (cross terms between experts), this
 * is a weighted sum of the experts' own updates, as MoE-LoRA and OrchMoE (paper eq. 2) combine them.
 * {@code A [E, d_in, r]} is kaiming-uniform per expert (fan-in {@code d_in}), {@code B [E, r, d_out]}
 * zero. The mixture is computed for all experts at once: one projection onto the E*r expert ranks,
 * a weighting, one projection back.
 */
public abstract class LoraMixture extends Adapter {
    private final int inFeatures;
    private final int outFeatures;
    private final int rank;
    private final int experts;

    /** The parameter {@code lora_a}, held for the forward pass. */
    private final Parameter loraA;
    /** The parameter {@code lora_b}, held for the forward pass. */
    private final Parameter loraB;

    /**
     * Creates the experts; {@code A} comes from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank each expert's rank {@code r}
     * @param experts the number of experts {@code E}
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    protected LoraMixture(NDManager manager, int inFeatures, int outFeatures, int rank, int experts,
            RandomStream random, DataType dataType) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.experts = experts;
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        loraA = addParameter("lora_a", random.uniform(manager, -bound, bound, new Shape(experts, inFeatures, rank), dataType));
        loraB = addParameter("lora_b", manager.zeros(new Shape(experts, rank, outFeatures), dataType));
    }

    /** Returns the number of experts {@code E}. */
    public final int experts() {
        return experts;
    }

    /** Returns each expert's rank {@code r}. */
    public final int rank() {
        return rank;
    }

    /**
     * Mixes the experts' updates.
     *
     * @param x the input {@code [B, L, d_in]}
     * @param weights {@code [B, L, E]} per token, or {@code [B, 1, E]} per example
     * @return {@code [B, L, d_out]}
     */
    protected final NDArray mix(NDArray x, NDArray weights) {
        NDManager scope = x.getManager();
        Shape s = x.getShape();
        long ranks = (long) experts * rank;
        // A's E*r columns as the rows of one projection, B's as one matrix: two products for all experts
        NDArray a = rank == 1 ? StepScope.view(loraA, scope, experts, inFeatures)
                : StepScope.view(loraA, scope).transpose(0, 2, 1).reshape(ranks, inFeatures);
        NDArray h = ai.djl.nn.core.Linear.linear(x, a).singletonOrThrow();
        NDArray weighted = rank == 1 ? h.mul(weights)
                : h.reshape(s.get(0), s.get(1), experts, rank).mul(weights.expandDims(3)).reshape(s.get(0), s.get(1), ranks);
        return weighted.matMul(StepScope.view(loraB, scope, ranks, outFeatures));
    }
}
