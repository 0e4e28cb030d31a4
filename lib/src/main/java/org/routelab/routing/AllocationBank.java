package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;

/**
 * The skill allocations of one model ({@link SkillAllocation}, OrchMoE's skill routers), computed
 * together: a forward pass stacks all their logits, draws every example's noise for all of them in one
 * array in a handful of batched operations, once, instead of a dozen small operations in each of the
 * model's layers; each allocation then reads its own slice. The samples stay unnormalised: their
 * readers divide the smaller side ({@link SkillAllocation#mix}). Not a module: the logits stay
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
     * The live passes, keyed by their samples (what a pass's context remembers for the bank): passes may interleave (one model, two contexts), and each keeps its own draw.
     */
    private final Map<NDArray, Pass> passes = new IdentityHashMap<>();

    /** One pass: the allocations computed together, and each allocation's slices in every layout. */
    private static final class Pass {
        /** Every allocation's sample before normalisation, {@code [n, B', T, S]}. */
        final NDArray all;
        final Map<SkillAllocation, Integer> position = new IdentityHashMap<>();
        final Map<Layout, NDList> pieces = new EnumMap<>(Layout.class);

        Pass(NDArray all, List<SkillAllocation> members) {
            this.all = all;
            for (int i = 0; i < members.size(); i++) {
                position.put(members.get(i), i);
            }
        }

        /** The slice at {@code at} in a layout, the whole pass's layout made on first use. */
        NDArray piece(Layout layout, int at) {
            return pieces.computeIfAbsent(layout, l -> pieces(switch (l) {
                case BY_TASK -> all;
                case BY_SKILL -> all.transpose(0, 3, 1, 2).expandDims(3);
                case NORMALISERS -> {
                    Shape s = all.getShape();
                    yield Router.normalisers(all).reshape(s.get(0), s.get(1), 1, s.get(2));
                }
            })).get(at);
        }
    }

    /** What a pass hands each allocation. */
    private enum Layout {
        BY_TASK,
        BY_SKILL,
        NORMALISERS
    }

    /**
     * One allocation's share of a pass: its sample before normalisation in the layouts its readers want,
     * all from one draw. Left unnormalised so that a reader linear in the weights divides the smaller
     * side ({@link #normalisers}).
     */
    static final class Share {
        private final Pass pass;
        private final int at;

        private Share(Pass pass, int at) {
            this.pass = pass;
            this.at = at;
        }

        /**
         * Returns the sample: {@link Router#normalise} of it is the allocation's weights.
         *
         * @return {@code [B', T, S]}, non-negative: {@code B'} the batch size where noise is drawn, else 1
         */
        NDArray allocations() {
            return pass.piece(Layout.BY_TASK, at);
        }

        /**
         * Returns the sample laid out per skill (a view): what mixes task weights {@code [B, L', T]} into
         * skill weights by a broadcast product and a sum over T.
         *
         * @return {@code [S, B', 1, T]}
         */
        NDArray bySkill() {
            return pass.piece(Layout.BY_SKILL, at);
        }

        /**
         * Returns what normalises each abstract task's row of the sample, its sum over the skills plus
         * {@code 1e-12} ({@link Router#normalisers}), computed for the whole pass at once.
         *
         * @return {@code [B', 1, T]}
         */
        NDArray normalisers() {
            return pass.piece(Layout.NORMALISERS, at);
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
     * Returns an allocation's share of a batch's samples, computed with the bank's other allocations once
     * per pass.
     *
     * @param allocation a member of this bank
     * @param ctx the forward context
     * @param scope the step scope
     * @param batchSize the number of examples
     * @return the allocation's share
     */
    Share share(SkillAllocation allocation, ForwardContext ctx, NDManager scope, int batchSize) {
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
            return new Share(new Pass(compute(List.of(allocation), ctx, scope, batchSize), List.of(allocation)), 0);
        }
        return new Share(pass, at);
    }

    /** Each allocation's view of {@code [n, ...]}: one split (backward: one concatenation), no copy. */
    private static NDList pieces(NDArray all) {
        long n = all.getShape().get(0);
        NDList out = new NDList((int) n);
        for (NDArray p : n == 1 ? new NDList(all) : all.split(n, 0)) {
            out.add(p.squeeze(0));
        }
        return out;
    }

    /**
     * Computes the samples of some allocations together, before normalisation.
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
        return first.options().allocations(logits, noise, ctx);
    }
}
