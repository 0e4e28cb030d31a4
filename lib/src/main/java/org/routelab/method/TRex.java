package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Scalars;
import org.routelab.routing.RankOneRouter;

/**
 * T-REX: a mixture of rank-one experts. {@code A [d_in, I]} holds I rank-one down projections
 * (kaiming-uniform, fan-in {@code d_in}), {@code B [J, d_out]} J up projections (zero), so the
 * {@code I*J} experts {@code b_j a_i^T} cost {@code I + J} vectors ("mix-and-match"). Per token,
 * {@code h = x A} (length I), {@code u_j = sum_i h_i G_ij} with the router's mixing matrix {@code G}
 * ({@link RankOneRouter}: token router blended with the example's intuition prior), and
 * {@code delta = beta * u B}, where {@code beta = sigmoid(100 w_beta)} is a trainable gate starting at
 * 1/2. Equivalently {@code delta W = beta * sum_ij G_ij b_j a_i^T}. No auxiliary loss.
 */
public final class TRex extends Adapter {
    /**
     * Creates a T-REX adapter for one projection; {@code A} comes from the engine's seeded generator.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param options I, J, the prior scale and the ablations
     * @param dataType the parameters' data type
     */
    public TRex(NDManager manager, int inFeatures, int outFeatures, TRexOptions options, DataType dataType) {
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        addParameter("lora_a", manager.randomUniform(-bound, bound, new Shape(inFeatures, options.down()), dataType));
        addParameter("lora_b", manager.zeros(new Shape(options.up(), outFeatures), dataType));
        addParameter("w_beta", manager.zeros(new Shape(1), dataType));
        addChild("router", new RankOneRouter(manager, inFeatures, options.down(), options.up(), options.priorScale(),
                options.intuition(), options.tokenRouter(), dataType));
    }

    /** Returns the mixing router. */
    public RankOneRouter router() {
        return child("router", RankOneRouter.class);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        NDArray g = router().mixing(x, ctx); // [B, L', I, J]
        NDArray h = x.matMul(StepScope.view(parameter("lora_a"), scope)); // [B, L, I]
        NDArray u = h.expandDims(3).mul(g).sum(new int[] {2}); // [B, L, J]
        NDArray beta = Activation.sigmoid(Scalars.mul(StepScope.view(parameter("w_beta"), scope), 100f));
        return u.matMul(StepScope.view(parameter("lora_b"), scope)).mul(beta);
    }
}
