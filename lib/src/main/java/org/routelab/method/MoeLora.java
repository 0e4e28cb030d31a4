package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.adapter.LoraMixture;
import org.routelab.nn.ForwardContext;
import org.routelab.routing.TokenRouter;

/**
 * MoE-LoRA (MoLoRA): E LoRA experts mixed per token by a softmax router over the layer input, with no
 * task ids: {@code delta = sum_e p_e(x) x A_e B_e} ({@link LoraMixture}, {@link TokenRouter}). Soft
 * merge by default; top-k and a Switch load-balancing loss are options ({@link MoeLoraOptions}).
 */
public final class MoeLora extends LoraMixture {
    /**
     * Creates a MoE-LoRA adapter for one projection; experts and router come from the engine's seeded
     * generator.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank each expert's rank {@code r}
     * @param options experts, top-k and load balancing
     * @param dataType the parameters' data type
     */
    public MoeLora(NDManager manager, int inFeatures, int outFeatures, int rank, MoeLoraOptions options,
            DataType dataType) {
        super(manager, inFeatures, outFeatures, rank, options.experts(), dataType);
        addChild("router", new TokenRouter(manager, inFeatures, options.experts(), options.topK(),
                options.loadBalancing(), dataType));
    }

    /** Returns the router. */
    public TokenRouter router() {
        return child("router", TokenRouter.class);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        return mix(x, router().weights(x, ctx));
    }
}
