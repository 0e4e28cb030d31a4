package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.adapter.LoraMixture;
import org.routelab.nn.ForwardContext;
import org.routelab.routing.InputTaskRouter;
import org.routelab.routing.RouterOptions;
import org.routelab.routing.SkillAllocation;

/**
 * OrchMoE: S LoRA skills orchestrated through T abstract tasks, with no task ids. The task router
 * ({@link InputTaskRouter}) infers abstract-task weights {@code w(X)} from the layer input; the skill
 * router ({@link SkillAllocation}) is a learned {@code T x S} allocation {@code phi} sampled like Poly's.
 * The output is the paper's eq. 3, {@code sum_i sum_j w_i phi_ij LoRA_j(x)}: the skills' own updates
 * weighed by {@code m = w phi}, which sums to 1 ({@link LoraMixture}; eq. 2 mixes LoRA products, not
 * factors). Defaults for what the paper leaves open are explained in {@link InputTaskRouter}.
 *
 * <p>The paper adapts q, k and v only and sets T to the number of training tasks; this project adapts
 * the same projections for every method by default ({@code MethodConfig.withTargets} narrows them).
 */
public final class OrchMoe extends LoraMixture {
    /**
     * Creates an OrchMoE adapter for one projection; parameters come from the engine's seeded generator.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank each skill's rank {@code r}
     * @param skills the number of skills {@code S}
     * @param abstractTasks the number of abstract tasks {@code T}
     * @param options the task router's pooling and normalisation
     * @param sampling how the skill allocation samples while training
     * @param dataType the parameters' data type
     */
    public OrchMoe(NDManager manager, int inFeatures, int outFeatures, int rank, int skills, int abstractTasks,
            OrchMoeOptions options, RouterOptions sampling, DataType dataType) {
        super(manager, inFeatures, outFeatures, rank, skills, dataType);
        addChild("task_router", new InputTaskRouter(manager, inFeatures, abstractTasks, options.pooling(),
                options.normalisation(), dataType));
        addChild("skill_router", new SkillAllocation(manager, abstractTasks, skills, sampling, dataType));
    }

    /** Returns the task router. */
    public InputTaskRouter taskRouter() {
        return child("task_router", InputTaskRouter.class);
    }

    /** Returns the skill router (the task-to-skill allocation). */
    public SkillAllocation skillRouter() {
        return child("skill_router", SkillAllocation.class);
    }

    /**
     * Returns every token's skill weights {@code m = w(X) phi}.
     *
     * @param x the layer input {@code [B, L, d_in]}
     * @param ctx the forward context
     * @return {@code [B, L', S]} ({@code L' = 1} when routing per sequence in a bidirectional stack)
     */
    public NDArray skillWeights(NDArray x, ForwardContext ctx) {
        NDArray w = taskRouter().weights(x, ctx);
        NDArray phi = skillRouter().weights(ctx, x.getManager(), (int) x.getShape().get(0));
        return w.matMul(phi);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        return mix(x, skillWeights(x, ctx));
    }
}
