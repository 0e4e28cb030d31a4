package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Module;

/**
 * The trainable part of an {@link AdaptedLinear}: a function {@code delta(x, ctx)} added to the
 * frozen projection's output. Methods (LoRA, Poly, MHR, ...) differ in their parameters and in how
 * they use the routing information carried by the context.
 */
public abstract class Adapter extends Module {
    /**
     * Computes the adapter's contribution.
     *
     * @param x the projection input {@code [..., d_in]}
     * @param ctx the forward context (training flag, routing information)
     * @return {@code [..., d_out]}
     */
    public abstract NDArray delta(NDArray x, ForwardContext ctx);
}
