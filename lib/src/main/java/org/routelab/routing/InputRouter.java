package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import org.routelab.nn.Module;

/**
 * A router that reads the layer input instead of task ids: MoE-LoRA's token router, OrchMoE's task
 * router, T-REX's mixing router. Its parameters train with its adapter's, at the adapters' learning
 * rate, as these methods' papers train them; parameter accounting and route-only adaptation (-z)
 * treat them as routing parameters.
 */
public abstract class InputRouter extends Module {
    /** Creates a router; subclasses register its parameters. */
    protected InputRouter() {}

    /**
     * Checks that a routing input is a batch of token sequences.
     *
     * @param x the layer input
     * @return {@code x}
     * @throws IllegalArgumentException naming the shape if it is not {@code [B, L, d]}
     */
    protected final NDArray requireTokens(NDArray x) {
        if (x.getShape().dimension() != 3) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                    + " routes token sequences [batch, length, features], got " + x.getShape());
        }
        return x;
    }
}
