package org.routelab.adapter;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.routelab.nn.ForwardContext;

/**
 * The factors of one injection's {@link BuiltTogether} adapters, built once per forward pass: the
 * adapters of one kind and size form a {@link FactorGroup} and build their factors in a few batched
 * operations (e.g. one entangled-tensor build over all their stacked leaves) instead of a dozen small
 * ones in each layer. A pass is recognised by its {@link ForwardContext#passToken}; outside a pass (a
 * context that describes none) an adapter builds alone, with the same numbers. An adapter whose
 * parameters were closed drops out of its group at the next pass.
 */
public final class FactorBatches {
    private final Map<Object, FactorGroup<?>> groups = new HashMap<>();

    /** Creates the batches of one injection; adapters join when they first ask for their factors. */
    public FactorBatches() {}

    /**
     * Returns an adapter's factors for the current pass.
     *
     * @param adapter the adapter
     * @param ctx the forward context
     * @param scope the step scope
     * @param <A> the adapter's type
     * @return its factors, in {@code scope}
     */
    public <A extends Adapter & BuiltTogether<A>> NDList factors(A adapter, ForwardContext ctx, NDManager scope) {
        Object pass = ctx.passToken(scope);
        if (pass == null) {
            return adapter.factors(List.of(adapter), ctx, scope).get(0);
        }
        // one key, one class: the key names it
        @SuppressWarnings("unchecked")
        FactorGroup<A> g = (FactorGroup<A>) groups.computeIfAbsent(adapter.factorKey(), k -> new FactorGroup<A>());
        if (!g.isIn(pass)) {
            g.start(pass, g.nextBatches(a -> !a.released(), A::factorElements),
                    (i, batch) -> batch.get(0).factors(batch, ctx, scope));
        }
        NDList known = g.take(adapter);
        return known != null ? known : adapter.factors(List.of(adapter), ctx, scope).get(0);
    }
}
