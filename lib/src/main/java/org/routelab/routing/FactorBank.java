package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.nn.Parameter;

/**
 * The per-example factors of the routed adapters that read one {@link RouterBank}, computed together:
 * adapters of one kind and size (equal {@link RoutedAdapter#factorKey}) stack their parameters and
 * routing weights and mix all their experts in one batched operation per pass, instead of a dozen
 * small operations in each of hundreds of layers; each adapter then takes its own slice.
 *
 * <p>A group is found without registration: it is the adapters that asked for their factors in the
 * previous pass, in the order they asked. An adapter new to a group computes alone for one pass and
 * joins at the next; one that was removed, switched to another router or closed drops out at the next
 * pass. A pass is recognised by the bank's routing weights, a new array in every pass. A group whose
 * intermediates would outgrow the caches is computed in consecutive batches.
 */
final class FactorBank {
    /**
     * The most elements (1 MiB of float32) the adapters batched in one operation may compute each:
     * beyond a cache's size a batched operation streams through memory, and on t5-small batching all
     * of TensorPoly-I's Kronecker products at once was slower than building them layer by layer.
     */
    private static final double BATCH_ELEMENTS = 1 << 18;

    private final Map<Object, Group> groups = new HashMap<>();

    /**
     * Returns an adapter's factors for the pass whose weights are {@code weights}.
     *
     * @param adapter the adapter, whose router is a {@link TaskRouter} of {@code bank}
     * @param bank the router bank the weights come from
     * @param weights every router's weights {@code [routers, B', groups, experts]} of this pass
     * @return {@code a [B', d_in, r]} and {@code b [B', r, d_out]} in the weights' scope
     */
    NDList factors(RoutedAdapter adapter, RouterBank bank, NDArray weights) {
        return groups.computeIfAbsent(adapter.factorKey(), k -> new Group()).factors(adapter, bank, weights);
    }

    /**
     * Computes the factors of several adapters of one kind and size: their parameters stacked, their
     * weights gathered from their routers' slots, one batched mixing, split per adapter.
     *
     * @param members the adapters
     * @param slots each adapter's router slot in {@code weights}
     * @param weights {@code [routers, B', groups, experts]}
     * @return per adapter, in order, its {@code a [B', d_in, r]} and {@code b [B', r, d_out]}
     */
    static List<NDList> compute(List<RoutedAdapter> members, long[] slots, NDArray weights) {
        NDManager scope = weights.getManager();
        int n = members.size();
        boolean identity = slots.length == weights.getShape().get(0);
        for (int i = 0; identity && i < n; i++) {
            identity = slots[i] == i;
        }
        NDArray own = identity ? weights : weights.get(scope.create(slots));
        int count = members.get(0).factorParameters().size();
        NDList stacked = new NDList(count);
        for (int k = 0; k < count; k++) {
            NDList arrays = new NDList(n);
            for (RoutedAdapter a : members) {
                arrays.add(a.factorParameters().get(k).array());
            }
            // The stack's receiver is a parameter: move the result into the step scope at once.
            NDArray s = NDArrays.stack(arrays);
            s.attach(scope);
            stacked.add(s);
        }
        NDList factors = members.get(0).factors(own, stacked);
        // one split per factor: its backward is one concatenation, where n slices would be n scatters;
        // splitting [n B', ...] gives each adapter its [B', ...] without a squeeze of its own
        NDList a = perAdapter(factors.get(0), n);
        NDList b = perAdapter(factors.get(1), n);
        List<NDList> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new NDList(a.get(i), b.get(i)));
        }
        return out;
    }

    /** Splits {@code [n, B', ...]} into {@code n} arrays {@code [B', ...]}. */
    private static NDList perAdapter(NDArray factor, int n) {
        Shape s = factor.getShape();
        NDArray merged = factor.reshape(new Shape(n * s.get(1)).addAll(s.slice(2)));
        return n == 1 ? new NDList(merged) : merged.split(n, 0);
    }

    /** The adapters of one kind and size, as found in the previous pass. */
    private static final class Group {
        private NDArray pass;
        private List<RoutedAdapter> members = List.of();
        private Map<RoutedAdapter, NDList> computed = Map.of();
        private final Set<RoutedAdapter> asked = Collections.newSetFromMap(new IdentityHashMap<>());
        private final List<RoutedAdapter> askedOrder = new ArrayList<>();

        NDList factors(RoutedAdapter adapter, RouterBank bank, NDArray weights) {
            if (weights != pass) {
                newPass(bank, weights);
            }
            if (asked.add(adapter)) {
                askedOrder.add(adapter);
            }
            NDList known = computed.get(adapter);
            if (known != null) {
                return known;
            }
            return compute(List.of(adapter), new long[] {slot(adapter)}, weights).get(0);
        }

        /** Batches the adapters that asked in the previous pass and still read this bank. */
        private void newPass(RouterBank bank, NDArray weights) {
            pass = weights;
            List<RoutedAdapter> next = new ArrayList<>();
            for (RoutedAdapter a : askedOrder.isEmpty() ? members : askedOrder) {
                if (a.router() instanceof TaskRouter t && t.bank() == bank && !released(a)) {
                    next.add(a);
                }
            }
            members = next;
            asked.clear();
            askedOrder.clear();
            computed = new IdentityHashMap<>();
            if (members.isEmpty()) {
                return;
            }
            long[] slots = new long[members.size()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = slot(members.get(i));
            }
            int batch = (int) Math.max(1, Math.min(slots.length, BATCH_ELEMENTS / members.get(0).factorElements()));
            for (int from = 0; from < slots.length; from += batch) {
                int to = Math.min(slots.length, from + batch);
                List<NDList> all = compute(members.subList(from, to), Arrays.copyOfRange(slots, from, to), weights);
                for (int i = from; i < to; i++) {
                    computed.put(members.get(i), all.get(i - from));
                }
            }
        }

        private static long slot(RoutedAdapter a) {
            return ((TaskRouter) a.router()).slot();
        }

        private static boolean released(RoutedAdapter a) {
            for (Parameter p : a.factorParameters()) {
                if (p.array().isReleased()) {
                    return true;
                }
            }
            return false;
        }
    }
}
