package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.adapter.EntangledTensor;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.Router;

/**
 * TensorPoly-II: routing over tensor rank and order. The router gives, per example, weights
 * {@code w [N, R]} normalised over the ranks of each order; each order's leaf is mixed first,
 * {@code A_i = sum_k w_ik leaf_ik}, then the factor is their Kronecker product
 * {@code A_tau = A_1 kron ... kron A_N} (normalised, truncated), built per example; likewise B, and
 * {@code delta = x A_tau^T B_tau / r}. Leaves are TLoRA's; as in the reference, both leaf sets are
 * xavier-uniform over the whole leaf tensor (see {@link EntangledTensor#xavierLeaves}).
 *
 * <p>The paper writes the normalisation as a sum over orders for a fixed rank; we normalise over the
 * ranks of each order, as the reference design notes, so that each mixed leaf is a convex combination.
 */
public final class TensorPolyII extends RoutedAdapter {
    private final int inFeatures;
    private final int outFeatures;
    private final int rank;
    private final int tensorRank;
    private final int order;

    /**
     * Creates a TensorPoly-II adapter for one projection; the leaves come from the engine's seeded generator.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R} (experts per order)
     * @param order the tensor order {@code N} (routing groups)
     * @param router the router ({@code N x R})
     * @param ownsRouter whether this adapter registers the router
     * @param dataType the parameters' data type
     */
    public TensorPolyII(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            Router router, boolean ownsRouter, DataType dataType) {
        super(order, tensorRank, router, ownsRouter);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.tensorRank = tensorRank;
        this.order = order;
        addParameter("leaves_a", EntangledTensor.xavierLeaves(manager, inFeatures, rank, tensorRank, order, dataType));
        addParameter("leaves_b", EntangledTensor.xavierLeaves(manager, outFeatures, rank, tensorRank, order, dataType));
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDArray perOrder = routingWeights(x, ctx).transpose(1, 0, 2);
        NDArray a = mix(perOrder, "leaves_a", inFeatures, x.getManager()).transpose(0, 2, 1);
        NDArray b = mix(perOrder, "leaves_b", outFeatures, x.getManager());
        return perRank(lowRank(x, a, b), rank);
    }

    /** Mixes each order's leaves per example, then builds the product: {@code [B', r, d]}. */
    private NDArray mix(NDArray perOrder, String leaves, int d, NDManager scope) {
        NDArray view = StepScope.view(parameter(leaves), scope);
        long leaf = view.getShape().get(3);
        long rows = perOrder.getShape().get(1);
        NDArray mixed = perOrder.matMul(view.reshape(order, tensorRank, rank * leaf)).reshape(order, rows, rank, leaf);
        return EntangledTensor.build(mixed, d);
    }

    /**
     * Returns the TLoRA of tensor rank 1 whose leaves are each order's rank average: exactly the
     * uniform mixture, with TLoRA's parameter count.
     */
    @Override
    public TLora averaged() {
        NDManager manager = parameter("leaves_a").array().getManager();
        DataType type = parameter("leaves_a").array().getDataType();
        TLora tlora = new TLora(manager, inFeatures, outFeatures, rank, 1, order, type);
        try (NDManager tmp = manager.newSubManager()) {
            tlora.parameter("leaves_a").set(
                    StepScope.view(parameter("leaves_a"), tmp).mean(new int[] {1}, true).stopGradient());
            tlora.parameter("leaves_b").set(
                    StepScope.view(parameter("leaves_b"), tmp).mean(new int[] {1}, true).stopGradient());
        }
        return tlora;
    }
}
