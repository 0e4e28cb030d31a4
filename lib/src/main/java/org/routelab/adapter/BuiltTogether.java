package org.routelab.adapter;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.routelab.nn.ForwardContext;

/**
 * An adapter whose factors depend on its parameters and on what the whole pass shares, not on the
 * layer's input (e.g. TLoRA's entangled tensors, T-REX's gates and its examples' weighted priors), so
 * that the adapters of one injection with equal {@link #factorKey} build theirs together, once per
 * forward pass ({@link FactorBatches}).
 *
 * @param <A> the adapter's own type
 */
public interface BuiltTogether<A extends Adapter & BuiltTogether<A>> {
    /**
     * Returns what two adapters must share to build their factors together: their class and every size
     * their factors depend on.
     *
     * @return a key with value equality
     */
    Object factorKey();

    /**
     * Returns the elements of the largest tensor one adapter's share of a build computes (e.g. its
     * Kronecker products), so that a batch of adapters is cut where its intermediates would outgrow the
     * processor's caches.
     *
     * @return the element count
     */
    double factorElements();

    /**
     * Builds the factors of several adapters of this one's {@link #factorKey} at once.
     *
     * @param batch the adapters, in order
     * @param ctx the pass's context (what every layer of the pass shares, e.g. the examples' priors)
     * @param scope the step scope the factors live in
     * @return per adapter, in order, its factors
     */
    List<NDList> factors(List<A> batch, ForwardContext ctx, NDManager scope);
}
