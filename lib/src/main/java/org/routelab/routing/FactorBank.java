package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.FactorGroup;
import org.routelab.adapter.StepScope;

/**
 * The per-example factors of the routed adapters that read one {@link RouterBank}, computed together:
 * adapters of one kind and size (equal {@link RoutedAdapter#factorKey}) form a {@link FactorGroup},
 * which stacks their parameters and routing weights and mixes all their experts in one batched
 * operation per pass (per batch, where a group would outgrow the caches), instead of a dozen small
 * operations in each of hundreds of layers; each adapter then takes its own slice. A pass is
 * recognised by the bank's routing weights, a new array in every pass; an adapter that switched to
 * another router or was closed drops out of its group at the next pass.
 *
 * <p>The bank lays its weights out as {@link #layout} plans: the routers of each batch side by side,
 * so that one split of the weights hands every batch its rows (backward: one concatenation). Gathering
 * rows instead would scatter each batch's gradient into a zero-filled copy of all the weights, which
 * for MHR's {@code q S} weights per router and example cost more than the mixing.
 */
final class FactorBank {
    private final Map<Object, FactorGroup<RoutedAdapter>> groups = new LinkedHashMap<>();
    /** Each group's batches in the layout of the weights computed next, or null for slot order. */
    private Map<FactorGroup<RoutedAdapter>, List<List<RoutedAdapter>>> plan;
    /** The bank's weights of the current pass, as drawn. */
    private NDArray pass;
    /** Those weights normalised, made once in a pass where an adapter asks for them, else null. */
    private NDArray normalisedPass;

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
        Map<FactorGroup<RoutedAdapter>, List<List<RoutedAdapter>>> batches = new LinkedHashMap<>();
        int at = 0;
        for (FactorGroup<RoutedAdapter> g : groups.values()) {
            List<List<RoutedAdapter>> cut = nextBatches(g, bank);
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
     * @param weights every router's allocations {@code [routers, B', groups, experts]} of this pass, as
     *     drawn (not normalised), laid out as {@link #layout} last planned
     * @return {@code a [B', d_in, r]} and {@code b [B', r, d_out]} in the weights' scope
     */
    NDList factors(RoutedAdapter adapter, RouterBank bank, NDArray weights) {
        if (weights != pass) {
            newPass(bank, weights);
        }
        FactorGroup<RoutedAdapter> g = groups.computeIfAbsent(adapter.factorKey(), k -> new FactorGroup<>());
        if (!g.isIn(weights)) {
            start(g, bank, weights, List.of(), new NDList()); // a group new in this pass
        }
        NDList known = g.take(adapter);
        return known != null ? known : compute(List.of(adapter), rows(bank, weightsFor(adapter), List.of(adapter))).get(0);
    }

    /** The current pass's weights as an adapter's factors take them ({@link RoutedAdapter#factors}). */
    private NDArray weightsFor(RoutedAdapter adapter) {
        if (adapter.mixesBeforeNormalising()) {
            return pass;
        }
        if (normalisedPass == null) {
            normalisedPass = Router.normalise(pass);
        }
        return normalisedPass;
    }

    /** Splits the weights once into the planned batches' rows and computes every group's factors. */
    private void newPass(RouterBank bank, NDArray weights) {
        pass = weights;
        normalisedPass = null;
        Map<FactorGroup<RoutedAdapter>, List<List<RoutedAdapter>>> batches = plan == null ? Map.of() : plan;
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
        long[] cuts = starts.stream().mapToLong(Long::longValue).toArray();
        // the weights as drawn and normalised, each split once where a group takes them
        Map<Boolean, NDList> pieces = new HashMap<>();
        int piece = 0;
        for (FactorGroup<RoutedAdapter> g : groups.values()) {
            List<List<RoutedAdapter>> cut = batches.getOrDefault(g, List.of());
            NDList own = new NDList();
            if (!cut.isEmpty()) {
                RoutedAdapter first = cut.get(0).get(0);
                own = pieces.computeIfAbsent(first.mixesBeforeNormalising(), raw -> weightsFor(first).split(cuts, 0))
                        .subNDList(piece, piece + cut.size());
            }
            start(g, bank, weights, cut, own);
            piece += cut.size();
        }
    }

    /**
     * Computes the factors of several adapters of one kind and size from their routing weights.
     *
     * @param members the adapters
     * @param own their weights {@code [members, B', groups, experts]}, in order, as {@link
     *     RoutedAdapter#factors} takes them
     * @return per adapter, in order, its {@code a [B', d_in, r]} and {@code b [B', r, d_out]}
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
            stacked.add(StepScope.stack(arrays, scope));
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

    /**
     * Starts a group's pass: computes the batches the bank laid out ({@code planned}, with their rows
     * {@code pieces}), else the group's next batches, gathering their rows.
     */
    private void start(FactorGroup<RoutedAdapter> g, RouterBank bank, NDArray weights,
            List<List<RoutedAdapter>> planned, NDList pieces) {
        List<List<RoutedAdapter>> batches = planned.isEmpty() ? nextBatches(g, bank) : planned;
        g.start(weights, batches, (i, batch) -> compute(batch,
                planned.isEmpty() ? rows(bank, weightsFor(batch.get(0)), batch) : pieces.get(i)));
    }

    /** The adapters that asked in the previous pass and still read {@code bank}, cut into batches. */
    private static List<List<RoutedAdapter>> nextBatches(FactorGroup<RoutedAdapter> g, RouterBank bank) {
        return g.nextBatches(a -> a.router() instanceof TaskRouter t && t.bank() == bank && !a.released(),
                RoutedAdapter::factorElements);
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
}
