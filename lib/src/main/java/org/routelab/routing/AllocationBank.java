package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Scalars;

/**
 * The skill allocations of one model ({@link SkillAllocation}, OrchMoE's skill routers), computed
 * together: a forward pass stacks all their logits, draws every example's noise for all of them in one
 * array and normalises them in a handful of batched operations, once, instead of a dozen small operations
 * in each of the model's layers; each allocation then reads its own slice. Not a module: the logits stay
 * parameters of their allocations, so names and counts do not change.
 *
 * <p>Drawing once changes the order of the pass's random draws against drawing layer by layer: each
 * allocation still gets its own independent noise of the same distribution (an allocation computed alone
 * draws exactly what it draws here), and a seed still fixes every draw. Passes that remember nothing
 * ({@link ForwardContext#remembers}) compute each allocation alone, since they could not reuse the others.
 */
public final class AllocationBank {
    private final List<SkillAllocation> members = new ArrayList<>();
    /**
     * Each live pass's slices, keyed by the first slice (the array the pass's context remembers for the
     * bank): passes may interleave (one model, two contexts), and each keeps its own draw.
     */
    private final Map<NDArray, Map<SkillAllocation, NDArray>> passes = new IdentityHashMap<>();

    /** Creates an empty bank; allocations join it when they are created with it. */
    public AllocationBank() {}

    /** Adds an allocation; every allocation of a bank has the same shape, options and data type. */
    void add(SkillAllocation allocation) {
        if (!members.isEmpty()) {
            SkillAllocation first = members.get(0);
            if (first.groups() != allocation.groups() || first.experts() != allocation.experts()
                    || !first.options().equals(allocation.options()) || first.dataType() != allocation.dataType()) {
                throw new IllegalArgumentException("skill allocations of one bank need the same shape, options and type");
            }
        }
        members.add(allocation);
    }

    /**
     * Returns an allocation's weights for a batch, computed with the bank's other allocations once per pass.
     *
     * @param allocation a member of this bank
     * @param ctx the forward context
     * @param scope the step scope
     * @param batchSize the number of examples
     * @return {@code [B', T, S]}: {@code B'} the batch size where noise is drawn, else 1
     */
    NDArray weights(SkillAllocation allocation, ForwardContext ctx, NDManager scope, int batchSize) {
        if (!ctx.remembers()) {
            return compute(List.of(allocation), ctx, scope, batchSize).get(0);
        }
        NDArray marker = ctx.memo(this, scope, () -> {
            passes.keySet().removeIf(NDArray::isReleased);
            List<SkillAllocation> live = members.stream().filter(a -> !a.logits().isReleased()).toList();
            NDList each = compute(live, ctx, scope, batchSize);
            Map<SkillAllocation, NDArray> slices = new IdentityHashMap<>();
            for (int i = 0; i < live.size(); i++) {
                slices.put(live.get(i), each.get(i));
            }
            passes.put(each.get(0), slices);
            return each.get(0);
        });
        NDArray mine = passes.getOrDefault(marker, Map.of()).get(allocation);
        // an allocation created after its pass began computes alone
        return mine != null ? mine : compute(List.of(allocation), ctx, scope, batchSize).get(0);
    }

    /**
     * Computes the weights of some allocations together.
     *
     * @return each allocation's {@code [B', T, S]}, in order
     */
    private static NDList compute(List<SkillAllocation> allocations, ForwardContext ctx, NDManager scope,
            int batchSize) {
        SkillAllocation first = allocations.get(0);
        int n = allocations.size();
        long groups = first.groups();
        long experts = first.experts();
        DataType type = first.dataType();
        NDArray logits;
        if (n == 1) {
            logits = first.logits().reshape(1, 1, groups, experts);
        } else {
            NDList arrays = new NDList(n);
            for (SkillAllocation a : allocations) {
                arrays.add(a.logits());
            }
            logits = NDArrays.stack(arrays).reshape(n, 1, groups, experts);
        }
        // The receiver was a parameter: move the result into the step scope at once.
        logits.attach(scope);
        // one sample per allocation and example (noise in the batch's shape, the logits broadcast to it);
        // one row for the whole batch where no noise is drawn
        NDArray noise = first.options().noise(scope, new Shape(n, batchSize, groups, experts), type, ctx);
        NDArray w = first.options().allocations(logits, noise, ctx);
        w = w.div(Scalars.add(w.sum(new int[] {3}, true), 1e-12f));
        long rows = w.getShape().get(1);
        if (n == 1) {
            return new NDList(w.reshape(rows, groups, experts));
        }
        // one split (backward: one concatenation), then each allocation's view
        NDList pieces = w.split(n, 0);
        NDList out = new NDList(n);
        for (NDArray p : pieces) {
            out.add(p.reshape(rows, groups, experts));
        }
        return out;
    }
}
