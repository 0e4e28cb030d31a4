package org.routelab.adapter;

import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Adapters of one kind and size whose factors a forward pass computes together, in a few batched
 * operations instead of a dozen small ones in each layer; each adapter then takes its own.
 *
 * <p>A group is found without registration: it is the adapters that asked for their factors in the
 * previous pass, in the order they asked. An adapter new to the group computes alone for one pass and
 * joins at the next; one that no longer asks, or no longer belongs, drops out at the next pass. A group
 * whose intermediates would outgrow the caches is computed in consecutive batches.
 *
 * @param <A> the adapters' type
 */
public final class FactorGroup<A> {
    /**
     * The most elements (1 MiB of float32) the adapters batched in one operation may compute each:
     * beyond a cache's size a batched operation streams through memory, and on t5-small batching all
     * of TensorPoly-I's Kronecker products at once was slower than building them layer by layer.
     */
    private static final double BATCH_ELEMENTS = 1 << 18;

    private Object pass;
    private List<A> members = List.of();
    private Map<A, NDList> computed = Map.of();
    private final Set<A> asked = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<A> askedOrder = new ArrayList<>();

    /** Creates an empty group; adapters join it by asking for their factors ({@link #take}). */
    public FactorGroup() {}

    /**
     * Returns whether the group has started a pass.
     *
     * @param token what stands for the pass (compared by identity)
     * @return whether {@link #start} was last called with it
     */
    public boolean isIn(Object token) {
        return pass == token;
    }

    /**
     * Returns the adapters that asked in the previous pass (if none did, those computed in it) and still
     * belong, cut into the batches the next pass computes.
     *
     * @param belongs whether an adapter still belongs to the group (e.g. its parameters are open)
     * @param elements the elements of the largest tensor one adapter's share of a batch computes
     * @return the batches, in the order the adapters asked
     */
    public List<List<A>> nextBatches(Predicate<A> belongs, ToDoubleFunction<A> elements) {
        List<A> next = new ArrayList<>();
        for (A a : askedOrder.isEmpty() ? members : askedOrder) {
            if (belongs.test(a)) {
                next.add(a);
            }
        }
        List<List<A>> batches = new ArrayList<>();
        if (next.isEmpty()) {
            return batches;
        }
        int size = (int) Math.max(1, Math.min(next.size(), BATCH_ELEMENTS / elements.applyAsDouble(next.get(0))));
        for (int from = 0; from < next.size(); from += size) {
            batches.add(next.subList(from, Math.min(next.size(), from + size)));
        }
        return batches;
    }

    /**
     * Starts a pass: forgets who asked in the previous one and computes the factors of every batch.
     *
     * @param token what stands for the pass (compared by identity)
     * @param batches the batches, e.g. those of {@link #nextBatches}
     * @param compute computes a batch's factors from its index and its adapters: one list per adapter, in order
     */
    public void start(Object token, List<List<A>> batches, BiFunction<Integer, List<A>, List<NDList>> compute) {
        pass = token;
        members = new ArrayList<>();
        batches.forEach(members::addAll);
        asked.clear();
        askedOrder.clear();
        computed = new IdentityHashMap<>();
        for (int i = 0; i < batches.size(); i++) {
            List<A> batch = batches.get(i);
            List<NDList> all = compute.apply(i, batch);
            for (int k = 0; k < batch.size(); k++) {
                computed.put(batch.get(k), all.get(k));
            }
        }
    }

    /**
     * Notes that an adapter asked for its factors in the current pass and returns them.
     *
     * @param adapter the adapter
     * @return its factors, or null if the pass did not compute them (a newcomer, which computes alone)
     */
    public NDList take(A adapter) {
        if (asked.add(adapter)) {
            askedOrder.add(adapter);
        }
        return computed.get(adapter);
    }
}
