package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
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
 *
 * <p>The bank lays its weights out as {@link #layout} plans: the routers of each batch side by side,
 * so that one split of the weights hands every batch its rows (backward: one concatenation). Gathering
 * rows instead would scatter each batch's gradient into a zero-filled copy of all the weights, which
 * for MHR's {@code q S} weights per router and example cost more than the mixing.
 */
final class FactorBank {
    /**
     * The most elements (1 MiB of float32) the adapters batched in one operation may compute each:
     * beyond a cache's size a batched operation streams through memory, and on t5-small batching all
     * of TensorPoly-I's Kronecker products at once was slower than building them layer by layer.
     */
    private static final double BATCH_ELEMENTS = 1 << 18;

    private final Map<Object, Group> groups = new LinkedHashMap<>();
    /** Each group's batches in the layout of the weights computed next, or null for slot order. */
    private Map<Group, List<List<RoutedAdapter>>> plan;
    private NDArray pass;

    /**
     * Plans the layout of the bank's next weights: the routers of each group's batches side by side in
     * the order the group will compute them, then the other routers. Routers shared by several
     * adapters (one router per model) keep slot order, and their groups gather.
     *
     * @param bank the bank
     * @param routers the bank's router count
     * @return the slot at each position of the weights
     */
    int[] layout(RouterBank bank, int routers) {
        int[] order = new int[routers];
        boolean[] placed = new boolean[routers];
        Map<Group, List<List<RoutedAdapter>>> batches = new LinkedHashMap<>();
        int at = 0;
        for (Group g : groups.values()) {
            List<List<RoutedAdapter>> cut = g.nextBatches(bank);
            for (List<RoutedAdapter> batch : cut) {
                for (RoutedAdapter a : batch) {
                    int slot = slot(a);
                    if (placed[slot]) {
                        plan = null;
                        return slotOrder(routers);
                    }
                    placed[slot] = true;
                    order[at++] = slot;
                }
            }
            batches.put(g, cut);
        }
        for (int slot = 0; slot < routers; slot++) {
            if (!placed[slot]) {
                order[at++] = slot;
            }
        }
        plan = batches;
        return order;
    }

    /**
     * Returns an adapter's factors for the pass whose weights are {@code weights}.
     *
     * @param adapter the adapter, whose router is a {@link TaskRouter} of {@code bank}
     * @param bank the router bank the weights come from
     * @param weights every router's weights {@code [routers, B', groups, experts]} of this pass, laid out
     *     as {@link #layout} last planned
     * @return {@code a [1, B', d_in, r]} and {@code b [1, B', r, d_out]} in the weights' scope
     */
    NDList factors(RoutedAdapter adapter, RouterBank bank, NDArray weights) {
        if (weights != pass) {
            newPass(bank, weights);
        }
        return groups.computeIfAbsent(adapter.factorKey(), k -> new Group()).factors(adapter, bank, weights);
    }

    /** Splits the weights once into the planned batches' rows and computes every group's factors. */
    private void newPass(RouterBank bank, NDArray weights) {
        pass = weights;
        Map<Group, List<List<RoutedAdapter>>> batches = plan == null ? Map.of() : plan;
        plan = null;
        // where each batch after the first starts, and the routers no batch reads
        List<Long> starts = new ArrayList<>();
        long rows = 0;
        for (List<List<RoutedAdapter>> cut : batches.values()) {
            for (List<RoutedAdapter> batch : cut) {
                if (rows > 0) {
                    starts.add(rows);
                }
                rows += batch.size();
            }
        }
        if (rows > 0 && rows < weights.getShape().get(0)) {
            starts.add(rows);
        }
        NDList pieces = rows == 0 ? new NDList() : weights.split(starts.stream().mapToLong(Long::longValue).toArray(), 0);
        int piece = 0;
        for (Group g : groups.values()) {
            List<List<RoutedAdapter>> cut = batches.getOrDefault(g, List.of());
            g.newPass(bank, weights, cut, pieces.subNDList(piece, piece + cut.size()));
            piece += cut.size();
        }
    }

    /**
     * Computes the factors of several adapters of one kind and size from their routing weights.
     *
     * @param members the adapters
     * @param own their weights {@code [members, B', groups, experts]}, in order
     * @return per adapter, in order, its {@code a [1, B', d_in, r]} and {@code b [1, B', r, d_out]}
     */
    static List<NDList> compute(List<RoutedAdapter> members, NDArray own) {
        NDManager scope = own.getManager();
        int n = members.size();
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
        // one split per factor: its backward is one concatenation, where n slices would be n scatters
        NDList a = n == 1 ? factors.subNDList(0, 1) : factors.get(0).split(n, 0);
        NDList b = n == 1 ? factors.subNDList(1, 2) : factors.get(1).split(n, 0);
        List<NDList> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new NDList(a.get(i), b.get(i)));
        }
        return out;
    }

    private static int slot(RoutedAdapter a) {
        return ((TaskRouter) a.router()).slot();
    }

    private static int[] slotOrder(int routers) {
        int[] order = new int[routers];
        for (int i = 0; i < routers; i++) {
            order[i] = i;
        }
        return order;
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
                newPass(bank, weights, List.of(), new NDList());
            }
            if (asked.add(adapter)) {
                askedOrder.add(adapter);
            }
            NDList known = computed.get(adapter);
            if (known != null) {
                return known;
            }
            return compute(List.of(adapter), rows(bank, weights, List.of(adapter))).get(0);
        }

        /**
         * The adapters that asked in the previous pass and still read {@code bank}, cut into the batches
         * this pass computes.
         */
        List<List<RoutedAdapter>> nextBatches(RouterBank bank) {
            List<RoutedAdapter> next = new ArrayList<>();
            for (RoutedAdapter a : askedOrder.isEmpty() ? members : askedOrder) {
                if (a.router() instanceof TaskRouter t && t.bank() == bank && !released(a)) {
                    next.add(a);
                }
            }
            List<List<RoutedAdapter>> batches = new ArrayList<>();
            if (next.isEmpty()) {
                return batches;
            }
            int size = (int) Math.max(1, Math.min(next.size(), BATCH_ELEMENTS / next.get(0).factorElements()));
            for (int from = 0; from < next.size(); from += size) {
                batches.add(next.subList(from, Math.min(next.size(), from + size)));
            }
            return batches;
        }

        /**
         * Starts a pass: computes the batches the bank laid out ({@code planned}, with their rows
         * {@code pieces}), else those of {@link #nextBatches}, gathering their rows.
         */
        private void newPass(RouterBank bank, NDArray weights, List<List<RoutedAdapter>> planned, NDList pieces) {
            pass = weights;
            List<List<RoutedAdapter>> batches = planned.isEmpty() ? nextBatches(bank) : planned;
            members = new ArrayList<>();
            batches.forEach(members::addAll);
            asked.clear();
            askedOrder.clear();
            computed = new IdentityHashMap<>();
            for (int i = 0; i < batches.size(); i++) {
                List<RoutedAdapter> batch = batches.get(i);
                List<NDList> all = compute(batch, planned.isEmpty() ? rows(bank, weights, batch) : pieces.get(i));
                for (int k = 0; k < batch.size(); k++) {
                    computed.put(batch.get(k), all.get(k));
                }
            }
        }

        /** Gathers the adapters' rows of the bank's weights (all of them when they are the whole, in order). */
        private static NDArray rows(RouterBank bank, NDArray weights, List<RoutedAdapter> adapters) {
            long[] positions = new long[adapters.size()];
            boolean whole = positions.length == weights.getShape().get(0);
            for (int i = 0; i < positions.length; i++) {
                positions[i] = bank.position(slot(adapters.get(i)));
                whole &= positions[i] == i;
            }
            return whole ? weights : weights.get(weights.getManager().create(positions));
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
