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
     * Returns the skill weights {@code m = w phi} of abstract-task weights {@code w}: each token (or
     * sequence) weighs the abstract tasks' rows of this allocation {@code phi} ({@link #weights}).
     *
     * @param w the abstract-task weights {@code [B, L', T]}
     * @param ctx the forward context
     * @param skillMajor whether to lay the result out per skill, as a mixture of experts reads it
     * @return {@code [B, L', S]}, or {@code [S, B, L']} where {@code skillMajor}
     */
    public NDArray mix(NDArray w, ForwardContext ctx, boolean skillMajor) {
        AllocationBank.Share share = bank.share(this, ctx, w.getManager(), (int) w.getShape().get(0));
        // phi is the sample y with each abstract task's row divided by its sum D_t, so
        // m = sum_t (w_t / D_t) y_t: the division acts on T values per token, not on T S per example
        NDArray scaled = w.div(share.normalisers());
        if (skillMajor && w.getShape().get(1) == 1) {
            // per sequence: m^T [S, B, 1] from a broadcast product over T and a sum, where a batched
            // product would multiply one example's small matrices at a time
            return share.bySkill().mul(scaled).sum(new int[] {3});
        }
        // per token the broadcast product would grow to [S, B, L, T]; one batched product instead: a plain
        // product over all rows for one allocation of the batch, else bmm itself (matmul would wrap it in
        // broadcasting views that autograd records and undoes)
        NDArray y = share.allocations();
        NDArray m = y.getShape().get(0) == 1 ? scaled.matMul(y.reshape(y.getShape().slice(1))) : scaled.batchMatMul(y);
        return skillMajor ? m.transpose(2, 0, 1) : m;
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        return normalise(bank.share(this, ctx, scope, batchSize).allocations());
    }
}
