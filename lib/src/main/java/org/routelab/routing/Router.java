package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Module;
import org.routelab.nn.Scalars;

/**
 * Decides, per example, how much each expert contributes: normalised weights over {@code experts}
 * choices in each of {@code groups} independent groups (Poly: one group of S skills; MHR: q heads of S
 * skills; TensorPoly-I: one group of R tensor ranks; TensorPoly-II: N orders of R ranks).
 *
 * <p>A router may serve several adapters (routing granularity). It is then registered in the model
 * tree once, under the first adapter that uses it, and the others hold a reference, the way PyTorch
 * names a shared module by its first path: parameter counts and checkpoints see it once.
 */
public abstract class Router extends Module {
    private final int groups;
    private final int experts;
    private final DataType dataType;

    /**
     * Creates a router's shape.
     *
     * @param groups independent groups (at least 1)
     * @param experts choices per group (at least 1)
     * @param dataType the weights' data type
     */
    protected Router(int groups, int experts, DataType dataType) {
        if (groups < 1 || experts < 1) {
            throw new IllegalArgumentException(
                    "a router needs at least one group and one expert, got " + groups + " x " + experts);
        }
        this.groups = groups;
        this.experts = experts;
        this.dataType = dataType;
    }

    /** Returns the number of independent groups. */
    public final int groups() {
        return groups;
    }

    /** Returns the number of experts per group. */
    public final int experts() {
        return experts;
    }

    /** Returns the weights' data type. */
    public final DataType dataType() {
        return dataType;
    }

    /**
     * Returns the weights of a batch, computed once per forward pass and reused by every adapter that
     * shares this router.
     *
     * @param ctx the forward context (training flag, task ids)
     * @param scope the step scope the weights live in
     * @param batchSize the number of examples
     * @return {@code [B', groups, experts]}, each group summing to 1; {@code B'} is the batch size, or
     *     1 when one row serves every example (single-task batch without noise, uniform weights)
     */
    public final NDArray weights(ForwardContext ctx, NDManager scope, int batchSize) {
        return ctx.memo(this, scope, () -> compute(ctx, scope, batchSize));
    }

    /**
     * Computes the weights (see {@link #weights}).
     *
     * @param ctx the forward context
     * @param scope where the result and its intermediates live
     * @param batchSize the number of examples
     * @return {@code [B', groups, experts]}
     */
    protected abstract NDArray compute(ForwardContext ctx, NDManager scope, int batchSize);

    /**
     * Divides each group by its sum over the experts (plus {@code 1e-12}, as the reference, so an all-zero
     * group stays zero).
     *
     * @param w non-negative weights {@code [..., groups, experts]}
     * @return the normalised weights
     */
    protected static NDArray normalise(NDArray w) {
        return w.div(normalisers(w));
    }

    /**
     * Returns what {@link #normalise} divides each group by, its sum over the experts plus {@code 1e-12}:
     * where the weights only scale something linearly, dividing that (smaller) result instead gives the
     * same numbers with fewer operations over the weights.
     *
     * @param w non-negative weights {@code [..., groups, experts]}
     * @return {@code [..., groups, 1]}
     */
    public static NDArray normalisers(NDArray w) {
        int experts = w.getShape().dimension() - 1;
        return Scalars.add(w.sum(new int[] {experts}, true), 1e-12f);
    }
}
