package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

/**
 * OrchMoE's skill router: a learned allocation of S skills to each of T abstract tasks, logits
 * {@code [T, S]} drawn from {@code U(-1e-3, 1e-3)} and turned into allocations exactly as Poly's task
 * router does ({@link RouterOptions}: relaxed Bernoulli in training, {@code sigmoid} in evaluation),
 * normalised over the skills of each abstract task. It reads no task ids: every abstract task's row is
 * used, weighed later by the task router. Training draws each example's own sample (as Poly draws one
 * per example); noise-free passes compute one allocation for the whole batch. The allocations of an
 * {@link AllocationBank} are computed together, once per forward pass.
 */
public final class SkillAllocation extends Router {
    private final RouterOptions options;
    private final AllocationBank bank;

    /**
     * Creates an allocation with logits drawn from {@code random}, computed on its own.
     *
     * @param manager owns the logits
     * @param abstractTasks the abstract tasks {@code T} (the router's groups)
     * @param skills the skills {@code S} (experts per group)
     * @param options training-time sampling
     * @param random the stream the initial values are drawn from
     * @param dataType the logits' data type
     */
    public SkillAllocation(NDManager manager, int abstractTasks, int skills, RouterOptions options,
            RandomStream random, DataType dataType) {
        this(new AllocationBank(), manager, abstractTasks, skills, options, random, dataType);
    }

    /**
     * Creates an allocation with logits drawn from {@code random}, computed together with the other
     * allocations of {@code bank}.
     *
     * @param bank the allocations computed together (same shape, options and data type)
     * @param manager owns the logits
     * @param abstractTasks the abstract tasks {@code T} (the router's groups)
     * @param skills the skills {@code S} (experts per group)
     * @param options training-time sampling
     * @param random the stream the initial values are drawn from
     * @param dataType the logits' data type
     */
    public SkillAllocation(AllocationBank bank, NDManager manager, int abstractTasks, int skills,
            RouterOptions options, RandomStream random, DataType dataType) {
        super(abstractTasks, skills, dataType);
        this.options = options;
        this.bank = bank;
        addParameter("module_logits", random.uniform(manager,
                -TaskRouter.INIT_BOUND, TaskRouter.INIT_BOUND, new Shape(abstractTasks, skills), dataType));
        bank.add(this);
    }

    /** Returns how training samples the allocation. */
    RouterOptions options() {
        return options;
    }

    /** Returns the logits {@code [T, S]} (the parameter's array). */
    NDArray logits() {
        return parameter("module_logits").array();
    }

    /**
     * Returns the weights of {@link #weights} laid out per skill, {@code [S, B', 1, 1, T]} (a view of the
     * bank's pass, as split, without a squeeze): what mixes a task router's weights {@code w [B, L', 1, T]}
     * ({@link InputTaskRouter#weightsAsSplit}) into skill weights by a broadcast product and a sum over
     * the last two axes, {@code (phi * w).sum(3, 4) = (w phi)^T [S, B, L']}, where a batched product
     * would multiply one example's small matrices at a time (per sequence, {@code L' = 1}).
     *
     * @param ctx the forward context
     * @param scope the step scope
     * @param batchSize the number of examples
     * @return {@code [S, B', 1, 1, T]}; {@code B'} the batch size where noise is drawn, else 1
     */
    public NDArray weightsBySkill(ForwardContext ctx, NDManager scope, int batchSize) {
        return bank.bySkill(this, ctx, scope, batchSize);
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        return bank.weights(this, ctx, scope, batchSize);
    }
}
