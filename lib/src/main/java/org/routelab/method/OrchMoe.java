package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.LoraMixture;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.AllocationBank;
import org.routelab.routing.InputRouterBank;
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
     * The most values {@code S B L T} of a per-token broadcast product of task weights and allocations:
     * above it one batched product costs less (on PyTorch's CPU engine, one thread, the built-in
     * backbone's decoder, {@code 8 x 64 x 8 x 32} values, spent more in the broadcast product and its
     * backward than in {@code bmm}; t5-small's, {@code 8 x 8 x 16 x 32}, less).
     */
    static final long BROADCAST_VALUES = 1L << 16;

    /**
     * OrchMoE's options: the size of its task router and the choices the paper leaves open (see {@link
     * InputTaskRouter} for what each means and why the defaults).
     *
     * @param rank each skill's rank {@code r}
     * @param skills the number of skills {@code S}
     * @param abstractTasks the abstract tasks {@code T}; 0 (the default) takes as many as there are
     *     training tasks, the paper's setting (the router still reads no task id)
     * @param pooling what the task weights are computed from: per sequence (mean, first token) or per token
     * @param normalisation how the task logits become weights
     */
    public record Options(int rank, int skills, int abstractTasks, InputTaskRouter.Pooling pooling,
            InputTaskRouter.Normalisation normalisation) {
        /** As many abstract tasks as training tasks, mean pooling, softmax. */
        public static final Options DEFAULT =
                new Options(1, 8, 0, InputTaskRouter.Pooling.MEAN, InputTaskRouter.Normalisation.SOFTMAX);

        /** Validates the values, naming the first bad one. */
        public Options {
            if (rank < 1 || skills < 1) {
                throw new IllegalArgumentException("orchmoe rank and skills must be positive, got " + rank + " and "
                        + skills);
            }
            if (abstractTasks < 0) {
                throw new IllegalArgumentException("orchmoe abstract tasks must be >= 0 (0: one per training task), got "
                        + abstractTasks);
            }
            if (pooling == null || normalisation == null) {
                throw new IllegalArgumentException("orchmoe pooling and task normalisation must be given");
            }
        }

        /** Returns a copy with {@code t} abstract tasks (0: one per training task). */
        public Options withAbstractTasks(int t) {
            return new Options(rank, skills, t, pooling, normalisation);
        }

        /** Returns a copy pooling otherwise. */
        public Options withPooling(InputTaskRouter.Pooling p) {
            return new Options(rank, skills, abstractTasks, p, normalisation);
        }

        /** Returns a copy normalising the task weights otherwise. */
        public Options withNormalisation(InputTaskRouter.Normalisation n) {
            return new Options(rank, skills, abstractTasks, pooling, n);
        }

        /** Returns the number of abstract tasks for {@code trainingTasks} training tasks. */
        public int abstractTasksFor(int trainingTasks) {
            return abstractTasks == 0 ? trainingTasks : abstractTasks;
        }
    }

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "orchmoe";
        }

        @Override
        public Class<Options> optionsType() {
            return Options.class;
        }

        @Override
        public Options defaults() {
            return Options.DEFAULT;
        }

        @Override
        public Adapter adapter(AdapterSite site, Options o) {
            return new OrchMoe(site.allocations(), site.inputRouters(), site.manager(), site.inFeatures(),
                    site.outFeatures(), o.rank(), o.skills(), o.abstractTasksFor(site.tasks()), o, site.routerOptions(),
                    site.random(), site.dataType());
        }

        @Override
        public RoutingNeeds routing(Options o) {
            return RoutingNeeds.LAYER_INPUT;
        }

        @Override
        public LearningRates learningRates() {
            return LearningRates.LORA_STYLE;
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.FULL, AdaptationVariant.ROUTE_ONLY);
        }

        /** The skills' A and B ({@code S r max(in, out)}). */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return (double) o.skills() * o.rank() * Math.max(inFeatures, outFeatures);
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank() + ";S=" + o.skills() + ";abstract-tasks=" + o.abstractTasksFor(trainingTasks)
                    + ";pooling=" + o.pooling() + ";task-norm=" + o.normalisation();
        }
    }

    /**
     * Creates an OrchMoE adapter for one projection whose skill allocation is computed on its own;
     * parameters come from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank each skill's rank {@code r}
     * @param skills the number of skills {@code S}
     * @param abstractTasks the number of abstract tasks {@code T}
     * @param options the task router's pooling and normalisation
     * @param sampling how the skill allocation samples while training
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public OrchMoe(NDManager manager, int inFeatures, int outFeatures, int rank, int skills, int abstractTasks,
            Options options, RouterOptions sampling, RandomStream random, DataType dataType) {
        this(new AllocationBank(), new InputRouterBank(), manager, inFeatures, outFeatures, rank, skills, abstractTasks,
                options, sampling, random, dataType);
    }

    /**
     * Creates an OrchMoE adapter for one projection whose skill allocation is computed together with
     * those of the other adapters of {@code allocations} (a model's, once per pass), and whose task
     * weights are computed together with those of the routers of {@code inputRouters} that read the same
     * input; parameters come from {@code random}.
     *
     * @param allocations the bank of the model's skill allocations
     * @param inputRouters the bank of the model's task routers
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank each skill's rank {@code r}
     * @param skills the number of skills {@code S}
     * @param abstractTasks the number of abstract tasks {@code T}
     * @param options the task router's pooling and normalisation
     * @param sampling how the skill allocation samples while training
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public OrchMoe(AllocationBank allocations, InputRouterBank inputRouters, NDManager manager, int inFeatures,
            int outFeatures, int rank, int skills, int abstractTasks, Options options, RouterOptions sampling,
            RandomStream random, DataType dataType) {
        super(manager, inFeatures, outFeatures, rank, skills, random, dataType);
        addChild("task_router", new InputTaskRouter(inputRouters, manager, inFeatures, abstractTasks, options.pooling(),
                options.normalisation(), random, dataType));
        addChild("skill_router", new SkillAllocation(allocations, manager, abstractTasks, skills, sampling, random,
                dataType));
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
        return mixWeights(w, phi);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        // the task weights [B, L', 1, T] as their bank splits them (no squeeze of their own)
        NDArray w = taskRouter().weightsAsSplit(x, ctx);
        Shape xs = x.getShape();
        Shape ws = w.getShape();
        int batch = (int) xs.get(0);
        NDArray skillsFirst;
        if (ws.get(1) == 1 || (long) experts() * ws.size() <= BROADCAST_VALUES) {
            // m^T = (w phi)^T [S, B, L'], feature-major as the mixture wants it, from a broadcast product
            // with the allocations [S, B', 1, 1, T] (as their bank splits them) summed over the last two
            // axes, where a batched product would multiply one example's small matrices at a time
            skillsFirst = skillRouter().weightsBySkill(ctx, x.getManager(), batch).mul(w).sum(new int[] {3, 4});
            if (rank() == 1 && ws.get(1) == xs.get(1)) {
                // per token: flat [S, B*L] like the ranks, which are then weighed without views of theirs
                skillsFirst = skillsFirst.reshape(experts(), xs.get(0) * xs.get(1));
            }
        } else {
            // many tokens: the broadcast product [S, B, L, T] and its backward would cost more than one
            // batched product
            skillsFirst = mixWeights(w.squeeze(2), skillRouter().weights(ctx, x.getManager(), batch))
                    .transpose(2, 0, 1);
        }
        return mix(project(x, null).singletonOrThrow(), skillsFirst, xs);
    }

    /** Returns {@code m = w phi} for task weights {@code w [B, L', T]} and allocations {@code phi [B' , T, S]}. */
    private static NDArray mixWeights(NDArray w, NDArray phi) {
        // one allocation for the batch: a plain product over all rows; else one per example, by bmm
        // itself (matmul would wrap it in broadcasting views that autograd records and undoes)
        return phi.getShape().get(0) == 1 ? w.matMul(phi.reshape(phi.getShape().slice(1))) : w.batchMatMul(phi);
    }
}
