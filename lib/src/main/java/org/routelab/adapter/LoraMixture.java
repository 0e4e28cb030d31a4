package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.FeatureMajor;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

/**
 * E LoRA experts whose outputs are mixed with per-token or per-example weights:
 * {@code delta = sum_e w_e(x) x A_e B_e}, each expert at LoRA's scale 1 ({@code alpha = r}, as the
 * {@code lora} method). Unlike Poly, which averages the factors (cross terms between experts), this
 * is a weighted sum of the experts' own updates, as MoE-LoRA and OrchMoE (paper eq. 2) combine them.
 * {@code A [E, d_in, r]} is kaiming-uniform per expert (fan-in {@code d_in}), {@code B [E, r, d_out]}
 * zero. The mixture is computed for all experts at once: one projection onto the E*r expert ranks
 * ({@link #project}), a weighting, one projection back ({@link #mix}).
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
     * Projects every token onto the experts' E*r ranks, after some extra rows (a router's weight) in the
     * same product, feature-major ({@link FeatureMajor}: the faster layout for so few features).
     *
     * @param x the input {@code [B, L, d_in]}
     * @param extraRows {@code [k, d_in]} projected in the same product (e.g. a router's own weight), or null
     * @return {@code [k, B*L]} for the extra rows (when given), then the ranks {@code [E*r, B*L]} in
     *     expert-major order
     */
    protected final NDList project(NDArray x, NDArray extraRows) {
        NDManager scope = x.getManager();
        long ranks = (long) experts * rank;
        // A's E*r columns as the rows of one projection
        NDArray a = rank == 1 ? StepScope.view(loraA, scope, experts, inFeatures)
                : StepScope.view(loraA, scope).transpose(0, 2, 1).reshape(ranks, inFeatures);
        return FeatureMajor.project(extraRows == null ? new NDList(a) : new NDList(extraRows, a), x);
    }

    /**
     * Mixes the experts' updates.
     *
     * @param h the ranks of {@link #project} {@code [E*r, B*L]}
     * @param weights feature-major: {@code [E, B*L]} or {@code [E, B, L]} per token, or {@code [E, B, 1]}
     *     per example
     * @param xShape the input's shape {@code [B, L, d_in]}
     * @return {@code [B, L, d_out]}
     */
    protected final NDArray mix(NDArray h, NDArray weights, Shape xShape) {
        long batch = xShape.get(0);
        long length = xShape.get(1);
        long ranks = (long) experts * rank;
        NDArray weighted;
        if (rank == 1 && weights.getShape().dimension() == 2) {
            weighted = h.mul(weights);
        } else if (rank == 1) {
            weighted = h.reshape(experts, batch, length).mul(weights).reshape(ranks, batch * length);
        } else {
            // each expert's r ranks share its weight
            NDArray w = weights.getShape().dimension() == 2 ? weights.reshape(experts, batch, length) : weights;
            weighted = h.reshape(experts, rank, batch, length).mul(w.expandDims(1)).reshape(ranks, batch * length);
        }
        NDArray delta = weighted.transpose().matMul(StepScope.view(loraB, h.getManager(), ranks, outFeatures));
        return delta.reshape(batch, length, outFeatures);
    }
}
