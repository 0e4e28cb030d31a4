package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;

/**
 * The skill allocations of one model ({@link SkillAllocation}, OrchMoE's skill routers), computed
 * together: a forward pass stacks all their logits, draws every example's noise for all of them in one
 * array and normalises them in a handful of batched operations, once, instead of a dozen small operations
 * in each of the model's layers; each allocation then reads its own slice. Not a module: the logits stay
 * parameters of their allocations, so names and counts do not change.
 *
 * <p>Drawing once changes the order of the pass's random draws against drawing layer by layer: each
 * allocation still gets its own independent noise of the same distribution (an allocation computed alone
 * draws exactly what it draws here), and a seed still fixes every draw. Contexts that describe no pass
 * ({@link ForwardContext#passToken} null) compute each allocation alone, since they could not reuse the
 * others.
 */
public final class AllocationBank {
    private final List<SkillAllocation> members = new ArrayList<>();
    /**
     * The live passes, keyed by their normalised allocations (what a pass's context remembers for the
     * bank): passes may interleave (one model, two contexts), and each keeps its own draw.
     */
    private final Map<NDArray, Pass> passes = new IdentityHashMap<>();

    /** One pass: the allocations computed together, and each allocation's slices in either layout. */
    private static final class Pass {
        final NDArray all;
        final Map<SkillAllocation, Integer> position = new IdentityHashMap<>();
        NDList byTask;
        NDList bySkill;

        Pass(NDArray all, List<SkillAllocation> members) {
            this.all = all;
            for (int i = 0; i < members.size(); i++) {
                position.put(members.get(i), i);
            }
        }
    }

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
        return slice(allocation, ctx, scope, batchSize, false);
    }

    /**
     * Returns an allocation's weights as {@link #weights} in the layout that mixes skills without a
     * batched product: {@code [S, B', 1, 1, T]} (a view).
     *
     * @param allocation a member of this bank
     * @param ctx the forward context
     * @param scope the step scope
     * @param batchSize the number of examples
     * @return {@code [S, B', 1, 1, T]}
     */
    NDArray bySkill(SkillAllocation allocation, ForwardContext ctx, NDManager scope, int batchSize) {
        return slice(allocation, ctx, scope, batchSize, true);
    }

    private NDArray slice(SkillAllocation allocation, ForwardContext ctx, NDManager scope, int batchSize,
            boolean bySkill) {
        Pass pass = null;
        if (ctx.passToken(scope) != null) {
            NDArray all = ctx.memo(this, scope, () -> {
                passes.keySet().removeIf(NDArray::isReleased);
                List<SkillAllocation> live = members.stream().filter(a -> !a.released()).toList();
                Pass p = new Pass(compute(live, ctx, scope, batchSize), live);
                passes.put(p.all, p);
                return p.all;
            });
            pass = passes.get(all);
        }
        Integer at = pass == null ? null : pass.position.get(allocation);
        if (at == null) {
            // a pass that remembers nothing, or an allocation created after its pass began: alone
            pass = new Pass(compute(List.of(allocation), ctx, scope, batchSize), List.of(allocation));
            at = 0;
        }
        if (bySkill) {
            if (pass.bySkill == null) {
                // [n, B', T, S] -> [S, B', 1, n, T]: split along the allocations, each piece is already
                // in the layout its users broadcast with, so it needs no squeeze (nor its backward)
                NDArray all = pass.all.transpose(3, 1, 0, 2).expandDims(2);
                long n = all.getShape().get(3);
                pass.bySkill = n == 1 ? new NDList(all) : all.split(n, 3);
            }
            return pass.bySkill.get(at);
        }
        if (pass.byTask == null) {
            pass.byTask = byTask(pass.all);
        }
        return pass.byTask.get(at);
    }

    /** Each allocation's view of {@code [n, B', T, S]}: one split (backward: one concatenation), no copy. */
    private static NDList byTask(NDArray all) {
        long n = all.getShape().get(0);
        NDList out = new NDList((int) n);
        for (NDArray p : n == 1 ? new NDList(all) : all.split(n, 0)) {
            out.add(p.squeeze(0));
        }
        return out;
    }

    /**
     * Computes the weights of some allocations together.
     *
     * @return {@code [allocations, B', T, S]}, in order
     */
    private static NDArray compute(List<SkillAllocation> allocations, ForwardContext ctx, NDManager scope,
            int batchSize) {
        SkillAllocation first = allocations.get(0);
        int n = allocations.size();
        long groups = first.groups();
        long experts = first.experts();
        DataType type = first.dataType();
        NDList arrays = new NDList(n);
        for (SkillAllocation a : allocations) {
            arrays.add(a.logits());
        }
        NDArray logits = StepScope.stack(arrays, scope).reshape(n, 1, groups, experts);
        // one sample per allocation and example (noise in the batch's shape, the logits broadcast to it);
        // one row for the whole batch where no noise is drawn
        NDArray noise = first.options().noise(scope, new Shape(n, batchSize, groups, experts), type, ctx);
        NDArray w = first.options().allocations(logits, noise, ctx);
        return Router.normalise(w);
    }
}
