package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;

/**
 * The task routers of one model, computed together: a forward pass stacks all their logits and draws
 * every allocation in a handful of batched operations, once, instead of a dozen small operations in
 * each of hundreds of layers; each router then reads its own slice. Not a module: the logits stay
 * parameters of their {@link TaskRouter}s, so names and counts do not change.
 */
public final class RouterBank {
    private final List<TaskRouter> routers = new ArrayList<>();
    private final FactorBank factors = new FactorBank();
    /** Each router's index in the weights of the current pass. */
    private int[] positionOfSlot = new int[0];

    /** Creates an empty bank; routers join it when they are created with it. */
    public RouterBank() {}

    /** Adds a router and returns its slot; every router of a bank has the same shape and options. */
    int add(TaskRouter router) {
        if (!routers.isEmpty()) {
            TaskRouter first = routers.get(0);
            if (first.numTasks() != router.numTasks() || first.groups() != router.groups()
                    || first.experts() != router.experts() || !first.options().equals(router.options())
                    || first.dataType() != router.dataType()) {
                throw new IllegalArgumentException("routers of one bank need the same tasks, shape and options");
            }
        }
        routers.add(router);
        positionOfSlot = Arrays.copyOf(positionOfSlot, routers.size());
        positionOfSlot[routers.size() - 1] = routers.size() - 1;
        return routers.size() - 1;
    }

    /**
     * Returns where a router's weights sit in the weights of the current pass: the bank lays them out
     * as its {@link FactorBank} plans.
     *
     * @param slot the router's slot
     * @return its index along the weights' first axis
     */
    int position(int slot) {
        return positionOfSlot[slot];
    }

    /**
     * Returns every router's allocations for a batch, once per forward pass: the weights before {@link
     * Router#normalise}, which a router applies to its own slice and the factor bank to all of them once,
     * unless every adapter divides its mixtures instead ({@link RoutedAdapter#mixesBeforeNormalising}).
     *
     * @param ctx the forward context (task ids, training flag)
     * @param scope the step scope
     * @param batchSize the number of examples
     * @return {@code [routers, B', groups, experts]}, non-negative
     */
    NDArray allocations(ForwardContext ctx, NDManager scope, int batchSize) {
        return ctx.memo(this, scope, () -> compute(ctx, scope, batchSize));
    }

    /**
     * Returns the per-example factors of an adapter routed by one of this bank's routers, computed
     * together with the adapters like it ({@link FactorBank}).
     *
     * @param adapter the adapter
     * @param ctx the forward context
     * @param scope the step scope
     * @param batchSize the number of examples
     * @return {@code a [B', d_in, r]} and {@code b [B', r, d_out]}
     */
    NDList factors(RoutedAdapter adapter, ForwardContext ctx, NDManager scope, int batchSize) {
        return factors.factors(adapter, this, allocations(ctx, scope, batchSize));
    }

    private NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        TaskRouter first = routers.get(0);
        int numTasks = first.numTasks();
        DataType type = first.dataType();
        RouterOptions options = first.options();
        long[] ids = ctx.taskIds();
        if (ids.length != batchSize) {
            throw new IllegalArgumentException(
                    "the context has " + ids.length + " task ids for a batch of " + batchSize + " examples");
        }
        // One row serves a single-task batch unless training draws noise: the reference samples a
        // relaxed Bernoulli per example, so a few-shot batch of one task still gets one draw per example.
        boolean shared = ctx.singleTask() && !(ctx.training() && options.noisy());
        int rows = shared ? 1 : batchSize;
        long[] rowTasks = new long[rows];
        for (int i = 0; i < rows; i++) {
            if (ids[i] < 0 || ids[i] >= numTasks) {
                throw new IllegalArgumentException("task id " + ids[i] + " of example " + i
                        + " is out of range: the router knows " + numTasks + " tasks");
            }
            rowTasks[i] = ids[i];
        }
        int[] order = factors.layout(this, routers.size());
        long[] slots = new long[order.length];
        boolean slotOrder = true;
        NDList all = new NDList(routers.size());
        for (int p = 0; p < order.length; p++) {
            positionOfSlot[order[p]] = p;
            slots[p] = order[p];
            slotOrder &= order[p] == p;
            all.add(routers.get(order[p]).parameter("module_logits").array());
        }
        NDArray stacked = StepScope.stack(all, scope);
        // each row's task's logits of every router, [routers, rows, groups * experts], gathered: a product
        // with the rows' one-hot task ids would give the same values at T times the work, forward and back
        NDArray logits = stacked.get(new NDIndex(":, {}", scope.create(rowTasks)));
        // each router keeps the noise it has in slot order, wherever it is laid out
        NDArray noise = options.noise(scope, logits.getShape(), type, ctx);
        if (noise != null && !slotOrder) {
            NDArray ordered = noise.get(scope.create(slots));
            noise.close();
            noise = ordered;
        }
        return options.allocations(logits, noise, ctx).reshape(routers.size(), rows, first.groups(), first.experts());
    }
}
