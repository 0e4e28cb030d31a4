package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

/**
 * OrchMoE's skill router: a learned allocation of S skills to each of T abstract tasks, logits
 * {@code [T, S]} drawn from {@code U(-1e-3, 1e-3)} and turned into allocations exactly as Poly's task
 * router does ({@link RouterOptions}: relaxed Bernoulli in training, {@code sigmoid} in evaluation),
 * normalised over the skills of each abstract task. It reads no task ids: every abstract task's row is
 * used, weighed later by the task router. Training draws each example's own sample (as Poly draws one
 * per example); noise-free passes compute one allocation for the whole batch.
 */
public final class SkillAllocation extends Router {
    private final RouterOptions options;

    /**
     * Creates an allocation with logits drawn from {@code random}.
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
        super(abstractTasks, skills, dataType);
        this.options = options;
        addParameter("module_logits", random.uniform(manager, 
                -TaskRouter.INIT_BOUND, TaskRouter.INIT_BOUND, new Shape(abstractTasks, skills), dataType));
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        NDArray logits = StepScope.view(parameter("module_logits"), scope, 1, groups(), experts());
        // one sample per example (noise drawn in the batch's shape, the logits broadcast to it); one row
        // for the whole batch where no noise is drawn
        NDArray noise = options.noise(scope, new Shape(batchSize, groups(), experts()), dataType(), ctx);
        return normalise(options.allocations(logits, noise, ctx));
    }
}
