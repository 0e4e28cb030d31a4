package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.BuiltTogether;
import org.routelab.adapter.FactorBatches;
import org.routelab.adapter.StepScope;
import org.routelab.nn.FeatureMajor;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.RankOneRouter;

/**
 * T-REX: a mixture of rank-one experts. {@code A [d_in, I]} holds I rank-one down projections
 * (kaiming-uniform, fan-in {@code d_in}), {@code B [J, d_out]} J up projections (zero), so the
 * {@code I*J} experts {@code b_j a_i^T} cost {@code I + J} vectors ("mix-and-match"). Per token,
 * {@code h = x A} (length I), {@code u_j = sum_i h_i G_ij} with the router's mixing matrix {@code G}
 * ({@link RankOneRouter}: token router blended with the example's intuition prior), and
 * {@code delta = beta * u B}, where {@code beta = sigmoid(100 w_beta)} is a trainable gate starting at
 * 1/2. Equivalently {@code delta W = beta * sum_ij G_ij b_j a_i^T}. No auxiliary loss.
 *
 * <p>The scalar gates ({@code beta}, and the router's {@code omega}) depend on their parameters alone,
 * and the prior's term of {@code G} on them and on the pass's priors: the model's T-REX adapters
 * compute them together once per forward pass ({@link FactorBatches}), in a few operations over all
 * their stacked scalars instead of a dozen in every layer.
 */
public final class TRex extends Adapter implements BuiltTogether<TRex> {
    /**
     * T-REX's options (reference defaults: I = 4, J = 8, c = 4, intuition and token router on).
     *
     * @param down the rank-one down projections {@code I}
     * @param up the rank-one up projections {@code J}; {@code I*J} rank-one experts
     * @param priorScale the intuition prior's scale {@code c}
     * @param intuition whether the intuition prior is blended in (off: the "no intuition" ablation,
     *     {@code omega = 1})
     * @param tokenRouter whether the per-token router is used (off: the "no router" ablation, experts
     *     weighed by the prior alone)
     */
    public record Options(int down, int up, float priorScale, boolean intuition, boolean tokenRouter) {
        /** The reference settings. */
        public static final Options DEFAULT = new Options(4, 8, 4f, true, true);

        /** Validates the values, naming the first bad one. */
        public Options {
            if (down < 1 || up < 1) {
                throw new IllegalArgumentException("trex needs at least one down and one up projection, got I = " + down
                        + ", J = " + up);
            }
            if (!Float.isFinite(priorScale)) {
                throw new IllegalArgumentException("trex prior scale c must be finite, got " + priorScale);
            }
            if (!intuition && !tokenRouter) {
                throw new IllegalArgumentException("trex needs its token router, its intuition, or both; both are off");
            }
        }

        /** Returns the number of rank-one experts {@code I*J} (and of intuition clusters). */
        public int cells() {
            return down * up;
        }

        /** Returns a copy with {@code i} down and {@code j} up projections. */
        public Options withExperts(int i, int j) {
            return new Options(i, j, priorScale, intuition, tokenRouter);
        }

        /** Returns a copy with prior scale {@code c}. */
        public Options withPriorScale(float c) {
            return new Options(down, up, c, intuition, tokenRouter);
        }

        /** Returns a copy with the intuition on or off. */
        public Options withIntuition(boolean on) {
            return new Options(down, up, priorScale, on, tokenRouter);
        }

        /** Returns a copy with the token router on or off. */
        public Options withTokenRouter(boolean on) {
            return new Options(down, up, priorScale, intuition, on);
        }
    }

    /**
     * T-REX's learning rates on the built-in default, chosen on SkillComp's validation tasks (the tuning
     * is in {@link LearningRates}): multi-task 3e-3 (validation 0.963; 1e-2 gave 0.921, 3e-2 0.424),
     * few-shot 1e-2.
     */
    public static final LearningRates LEARNING_RATES = new LearningRates(3e-3f, 1e-2f);

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "trex";
        }

        @Override
        public List<String> aliases() {
            return List.of("t-rex");
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
            return new TRex(site.manager(), site.inFeatures(), site.outFeatures(), o, site.random(), site.dataType(),
                    site.factorBatches());
        }

        /** The intuition is a prior over the {@code I*J} cells per example; without it, the layer input only. */
        @Override
        public RoutingNeeds routing(Options o) {
            return o.intuition() ? RoutingNeeds.prior(o.cells()) : RoutingNeeds.LAYER_INPUT;
        }

        @Override
        public LearningRates learningRates() {
            return LEARNING_RATES;
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.FULL, AdaptationVariant.ROUTE_ONLY);
        }

        /** The larger of the token router {@code [in, I J]} and the projections A {@code [in, I]}, B {@code [J, out]}. */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return Math.max((double) inFeatures * o.down() * o.up(),
                    Math.max((double) inFeatures * o.down(), (double) o.up() * outFeatures));
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "I=" + o.down() + ";J=" + o.up() + ";c=" + o.priorScale() + (o.intuition() ? "" : ";no-intuition")
                    + (o.tokenRouter() ? "" : ";no-router");
        }

        @Override
        public String updateScale(Options o) {
            return "beta (learned, 0.5 at start)";
        }
    }

    private final Options options;
    /** Where the adapter's gates are computed with those of the model's other T-REX adapters, or null: alone. */
    private final FactorBatches batches;

    /** The parameter {@code lora_a}, held for the forward pass. */
    private final Parameter loraA;
    /** The parameter {@code lora_b}, held for the forward pass. */
    private final Parameter loraB;
    /** The parameter {@code w_beta}, held for the forward pass. */
    private final Parameter wBeta;

    /**
     * Creates a T-REX adapter for one projection that computes its gates alone; {@code A} comes from
     * {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param options I, J, the prior scale and the ablations
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public TRex(NDManager manager, int inFeatures, int outFeatures, Options options, RandomStream random, DataType dataType) {
        this(manager, inFeatures, outFeatures, options, random, dataType, null);
    }

    /**
     * Creates a T-REX adapter for one projection; {@code A} comes from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param options I, J, the prior scale and the ablations
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     * @param batches where the scalar gates are computed together with those of the model's other T-REX
     *     adapters, once per pass (one per injection), or null to compute them alone
     */
    public TRex(NDManager manager, int inFeatures, int outFeatures, Options options, RandomStream random,
            DataType dataType, FactorBatches batches) {
        this.options = options;
        this.batches = batches;
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        loraA = addParameter("lora_a", random.uniform(manager, -bound, bound, new Shape(inFeatures, options.down()), dataType));
        loraB = addParameter("lora_b", manager.zeros(new Shape(options.up(), outFeatures), dataType));
        wBeta = addParameter("w_beta", manager.zeros(new Shape(1), dataType));
        addChild("router", new RankOneRouter(manager, inFeatures, options.down(), options.up(), options.priorScale(),
                options.intuition(), options.tokenRouter(), dataType));
    }

    /** Returns the mixing router. */
    public RankOneRouter router() {
        return child("router", RankOneRouter.class);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        // the token router's logits and the down projections read the same x: one feature-major product
        NDArray aRows = StepScope.transposed(loraA, scope);
        NDArray routerRows = router().weight();
        NDList parts = FeatureMajor.project(routerRows == null ? new NDList(aRows) : new NDList(routerRows, aRows), x);
        NDArray logits = routerRows == null ? null : parts.get(0);
        NDArray h = parts.get(parts.size() - 1); // [I, B*L]
        NDList gates = batches == null ? factors(List.of(this), ctx, scope).get(0) : batches.factors(this, ctx, scope);
        // beta is folded into G's terms, so G already carries the gate
        NDArray u = router().mix(h, router().cells(logits, x, ctx, gates)); // [J, B, L]
        // [B, L, J] x B: the product reads u in place, and its result lives in u's scope
        return u.transpose(1, 2, 0).matMul(loraB.array());
    }

    /** The terms depend on I*J, the prior's scale and the ablations alone, not on the projection's sizes. */
    @Override
    public Object factorKey() {
        return List.of(TRex.class, options.cells(), options.priorScale(), options.intuition(), options.tokenRouter());
    }

    /** A scalar and, per example, the I*J cells of the weighted prior. */
    @Override
    public double factorElements() {
        return 1 + options.cells();
    }

    /**
     * Computes the terms of the batch's adapters' mixing matrices at once ({@link RankOneRouter#terms}):
     * their weights ({@link RankOneRouter#termWeights}) times each adapter's {@code beta =
     * sigmoid(100 w_beta)}: the token router's term's weight {@code [1]} and the weighted prior {@code
     * [I, J, B, 1]}, as the options have them.
     */
    @Override
    public List<NDList> factors(List<TRex> batch, ForwardContext ctx, NDManager scope) {
        NDList betas = new NDList(batch.size());
        List<RankOneRouter> routers = new ArrayList<>(batch.size());
        for (TRex t : batch) {
            betas.add(t.wBeta.array());
            routers.add(t.router());
        }
        NDArray sharpened = Scalars.mul(StepScope.stack(betas, scope).reshape(1, -1), RankOneRouter.GATE_SHARPNESS);
        NDArray weights = router().termWeights(routers, Activation.sigmoid(sharpened), scope);
        return router().terms(weights, batch.size(), ctx, scope);
    }
}
