package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.FactorGroup;

/**
 * The task routers of one model that read the layer input ({@link InputTaskRouter}, OrchMoE's), with
 * the weights of those that read the same input computed in one product: q, k and v read one input,
 * and every decoder layer's cross-attention k and v read the encoder's output. Each router of such a
 * group would otherwise run its own small product, softmax and their backward.
 *
 * <p>A group is found without registration ({@link FactorGroup}): the routers that read the input
 * first read by one router (the group's leader) in the previous pass. A router that reads another
 * input this pass, or joins late, computes alone, as every router does in a model's first pass.
 * Not a module: the parameters stay their routers'.
 */
public final class InputRouterBank {
    /** Each leader's group: the routers that read its input after it in the previous pass. */
    private final Map<InputTaskRouter, FactorGroup<InputTaskRouter>> groups = new IdentityHashMap<>();
    /** The group computed from each live input summary. */
    private final Map<NDArray, FactorGroup<InputTaskRouter>> bySummary = new IdentityHashMap<>();

    /** Creates an empty bank; routers use it when they are created with it. */
    public InputRouterBank() {}

    /**
     * Returns a router's abstract-task weights for an input summary, computed together with the routers
     * that read the same summary.
     *
     * @param router the router
     * @param summary the pooled input summary {@code [B, L', d]} (float32), one array per input and pass
     * @return {@code [B, L', 1, T]} float32, each row summing to 1
     */
    NDArray weights(InputTaskRouter router, NDArray summary) {
        FactorGroup<InputTaskRouter> g = bySummary.get(summary);
        if (g == null) {
            bySummary.keySet().removeIf(NDArray::isReleased);
            g = groups.computeIfAbsent(router, r -> new FactorGroup<>());
            // one batch: the group's products are a few values per token, far from outgrowing a cache
            List<List<InputTaskRouter>> batches = g.nextBatches(r -> !r.released() && r.sameShapeAs(router), r -> 1);
            g.start(summary, batches, (i, batch) -> InputTaskRouter.weights(batch, summary));
            bySummary.put(summary, g);
        }
        // a group restarted for another input of its leader no longer holds this summary's weights
        NDList known = g.isIn(summary) ? g.take(router) : null;
        return known != null ? known.singletonOrThrow() : InputTaskRouter.weights(List.of(router), summary).get(0)
                .singletonOrThrow();
    }
}
