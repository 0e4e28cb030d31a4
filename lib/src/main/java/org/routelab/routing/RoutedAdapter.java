package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.routelab.adapter.Adapter;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.Scalars;

/**
 * An adapter whose experts are combined per example by a {@link Router}. The router is registered as
 * the child {@code router} only in the adapter that owns it (the first of its sharing group); the
 * other adapters of the group keep a reference.
 */
public abstract class RoutedAdapter extends Adapter {
    private final int groups;
    private final int experts;
    private Router router;
    private boolean owner;

    /**
     * Creates the adapter around its router.
     *
     * @param groups the independent routing groups the adapter mixes (heads, tensor orders)
     * @param experts the experts per group (skills, tensor ranks)
     * @param router the router, of shape {@code groups x experts}
     * @param owner whether this adapter registers the router in the model tree
     */
    protected RoutedAdapter(int groups, int experts, Router router, boolean owner) {
        this.groups = groups;
        this.experts = experts;
        useRouter(router, owner);
    }

    /** Returns the number of independent routing groups this adapter mixes (heads, tensor orders). */
    public final int routedGroups() {
        return groups;
    }

    /** Returns the number of experts per group (skills, tensor ranks). */
    public final int routedExperts() {
        return experts;
    }

    /**
     * Returns the -mu adapter: the experts averaged with uniform weights, as a new adapter with as few
     * parameters as that average allows (e.g. one LoRA for Poly and MHR). This adapter is unchanged.
     *
     * @return the averaged adapter
     */
    public abstract Adapter averaged();

    /** Returns the router. */
    public final Router router() {
        return router;
    }

    /** Returns whether this adapter registers the router in the model tree. */
    public final boolean ownsRouter() {
        return owner;
    }

    /**
     * Switches to another router of the same shape.
     *
     * @param newRouter the router
     * @param owns whether this adapter registers it; an owner stays an owner
     */
    public final void useRouter(Router newRouter, boolean owns) {
        if (newRouter.groups() != routedGroups() || newRouter.experts() != routedExperts()) {
            throw new IllegalArgumentException("router shape " + newRouter.groups() + " x " + newRouter.experts()
                    + " does not match the adapter's " + routedGroups() + " x " + routedExperts()
                    + " (groups x experts); routers shared across layers need equal heads/orders and experts");
        }
        if (owner != owns && router != null) {
            throw new IllegalArgumentException("a router's owner cannot change: use the same sharing as before");
        }
        if (owns) {
            if (children().containsKey("router")) {
                replaceChild("router", newRouter);
            } else {
                addChild("router", newRouter);
            }
        }
        router = newRouter;
        owner = owns;
    }

    /**
     * Returns what two adapters must share to have their factors computed together in one batched
     * operation: their class and every size their factors depend on.
     *
     * @return a key with value equality
     */
    protected abstract Object factorKey();

    /**
     * Returns the elements of the largest tensor one adapter's share of {@link #factors} computes (e.g.
     * its Kronecker products), so that a batch of adapters is cut where its intermediates would
     * outgrow the processor's caches.
     *
     * @return the element count
     */
    protected abstract double factorElements();

    /** Returns the parameters the factors are computed from, in the order {@link #factors} reads them. */
    protected abstract List<Parameter> factorParameters();

    /**
     * Computes the per-example factors of {@code n} adapters of one {@link #factorKey} at once. The
     * update {@code delta = x a b} carries the method's whole scale (e.g. {@code 1/r} folded into a
     * mixing weight, the smallest tensor).
     *
     * @param weights the adapters' routing weights {@code [n, B', groups, experts]}: normalised, or where
     *     {@link #mixesBeforeNormalising} as a router bank draws them, each group to be divided by its sum
     *     ({@link Router#normalisers}; weights a router outside a bank normalised pass through that unchanged)
     * @param parameters the adapters' {@link #factorParameters}, each stacked: {@code [n, ...its shape]}
     * @return {@code a [n, B', d_in, r]} and {@code b [n, B', r, d_out]}
     */
    protected abstract NDList factors(NDArray weights, NDList parameters);

    /**
     * Returns whether {@link #factors} takes a router bank's weights before their normalisation and
     * divides its mixtures instead: worth it for factors linear in each group's weights whose mixtures
     * hold fewer values than the weights (e.g. MHR's heads one value wide), since the division and its
     * gradient then pass over the smaller array. A bank whose adapters all do so never divides its weights.
     *
     * @return false unless the adapter divides its mixtures
     */
    protected boolean mixesBeforeNormalising() {
        return false;
    }

    /** {@code delta = x a b} with this adapter's per-example factors ({@link #factors}). */
    @Override
    public final NDArray delta(NDArray x, ForwardContext ctx) {
        NDList f = mixedFactors(x, ctx);
        return lowRank(x, f.get(0), f.get(1));
    }

    /**
     * Returns this adapter's per-example factors for the batch of {@code x}: computed together with
     * the adapters like it when its router is a task router of a {@link RouterBank}, else alone
     * through the same batched code.
     *
     * @param x the projection input {@code [B, ..., d_in]}
     * @param ctx the forward context
     * @return {@code a [B', d_in, r]} and {@code b [B', r, d_out]}, {@code B'} 1 or {@code B}
     */
    private NDList mixedFactors(NDArray x, ForwardContext ctx) {
        if (router instanceof TaskRouter t) {
            return t.bank().factors(this, ctx, x.getManager(), (int) x.getShape().get(0));
        }
        return FactorBank.compute(List.of(this), routingWeights(x, ctx).expandDims(0)).get(0);
    }

    /**
     * Returns the routing weights of the batch of {@code x}, living in {@code x}'s scope.
     *
     * @param x the projection input {@code [B, ..., d_in]}
     * @param ctx the forward context
     * @return {@code [B', groups, experts]} with {@code B'} 1 or {@code B}
     */
    protected final NDArray routingWeights(NDArray x, ForwardContext ctx) {
        return router.weights(ctx, x.getManager(), (int) x.getShape().get(0));
    }

    /**
     * Applies per-example low-rank factors: {@code x a b} with one {@code (a, b)} pair per example, or
     * one pair shared by the whole batch. This is where merged experts meet the tokens: once per
     * example, never per token.
     *
     * @param x the input {@code [B, ..., d_in]}
     * @param a {@code [B' , d_in, r]} with {@code B'} equal to {@code B} or 1
     * @param b {@code [B', r, d_out]}
     * @return {@code [B, ..., d_out]}
     */
    private static NDArray lowRank(NDArray x, NDArray a, NDArray b) {
        Shape s = x.getShape();
        NDArray x3 = s.dimension() == 3 ? x : x.reshape(s.get(0), -1, s.get(s.dimension() - 1));
        NDArray y;
        if (a.getShape().get(2) == 1) {
            // Rank one: PyTorch's CPU bmm multiplies small matrices one example at a time (a select and a
            // product each, hundreds of operations per layer); broadcast products take three.
            y = x3.mul(a.transpose(0, 2, 1)).sum(new int[] {2}, true).mul(b);
        } else if (a.getShape().get(0) == 1) {
            // one pair for the batch: plain products over all tokens at once
            y = x3.matMul(a.get(0)).matMul(b.get(0));
        } else {
            // bmm itself: matmul would wrap it in broadcasting views that autograd records and undoes
            y = x3.batchMatMul(a).batchMatMul(b);
        }
        if (s.dimension() == 3) {
            return y;
        }
        long[] out = s.getShape().clone();
        out[out.length - 1] = b.getShape().get(2);
        return y.reshape(new Shape(out));
    }

    /**
     * Divides by the LoRA rank, the scale of Poly, MHR and the tensor methods, applied to the smallest
     * tensor it can meet: the weights that mix one factor where the factor is linear in them, else the
     * factor (skipped at rank 1).
     *
     * @param t the mixing weights of one factor, or the factor
     * @param rank the rank {@code r}
     * @return {@code t / r}
     */
    protected static NDArray perRank(NDArray t, int rank) {
        return rank == 1 ? t : Scalars.mul(t, 1f / rank);
    }
}
