package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

/**
 * Poly's learned task-to-expert allocation: logits {@code Z [T, groups * experts]} drawn from
 * {@code U(-1e-3, 1e-3)}. Training draws relaxed-Bernoulli (Gumbel-sigmoid) allocations or, as an
 * option, a deterministic sigmoid, optionally straight-through; evaluation uses {@code sigmoid(Z)}.
 * Weights are normalised by their sum in each group.
 *
 * <p>Per-example routing in a mixed-task batch selects each example's row with a one-hot matrix
 * product (one batched operation, and the gradient reaches only the rows used). Gumbel-sigmoid training
 * draws one sample per example, as the reference does, also when the whole batch has one task. A
 * single-task batch without noise (evaluation, or deterministic sigmoid training) computes one row that
 * every example shares, so adapters merge their experts once per batch. The routers of a {@link
 * RouterBank} are computed together, once per forward pass.
 */
public final class TaskRouter extends Router {
    /** Bound of the logits' initial uniform distribution. */
    public static final float INIT_BOUND = 1e-3f;
    private final int numTasks;
    private final RouterOptions options;
    private final RouterBank bank;
    private final int slot;

    /**
     * Creates a router with fresh logits drawn from {@code random}, computed on its own.
     *
     * @param manager owns the logits
     * @param numTasks the number of tasks {@code T}
     * @param groups independent groups
     * @param experts experts per group
     * @param options training-time sampling
     * @param random the stream the initial values are drawn from
     * @param dataType the logits' data type
     */
    public TaskRouter(NDManager manager, int numTasks, int groups, int experts, RouterOptions options,
            RandomStream random, DataType dataType) {
        this(new RouterBank(), manager, numTasks, groups, experts, options, random, dataType);
    }

    /**
     * Creates a router with fresh logits drawn from {@code random}, computed together
     * with the other routers of {@code bank}.
     *
     * @param bank the routers computed together (same tasks, shape and options)
     * @param manager owns the logits
     * @param numTasks the number of tasks {@code T}
     * @param groups independent groups
     * @param experts experts per group
     * @param options training-time sampling
     * @param random the stream the initial values are drawn from
     * @param dataType the logits' data type
     */
    public TaskRouter(RouterBank bank, NDManager manager, int numTasks, int groups, int experts,
            RouterOptions options, RandomStream random, DataType dataType) {
        super(groups, experts, dataType);
        if (numTasks < 1) {
            throw new IllegalArgumentException("a task router needs at least one task, got " + numTasks);
        }
        this.numTasks = numTasks;
        this.options = options;
        addParameter("module_logits", random.uniform(manager, 
                -INIT_BOUND, INIT_BOUND, new Shape(numTasks, (long) groups * experts), dataType));
        this.bank = bank;
        this.slot = bank.add(this);
    }

    /** Returns the number of tasks {@code T}. */
    public int numTasks() {
        return numTasks;
    }

    /** Returns the bank this router is computed with. */
    RouterBank bank() {
        return bank;
    }

    /** Returns this router's index in its bank's weights. */
    int slot() {
        return slot;
    }

    /** Returns the training-time sampling options. */
    public RouterOptions options() {
        return options;
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        return normalise(bank.allocations(ctx, scope, batchSize).get(bank.position(slot)));
    }
}
