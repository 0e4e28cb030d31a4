package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.EntangledTensor;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.Router;
import org.routelab.routing.UniformRouter;

/**
 * TensorPoly-I: TLoRA's R tensor-rank components are the experts. Each component
 * {@code A_k = leaf_1k kron ... kron leaf_Nk} (normalised, truncated) is built once per batch; the
 * router over the R ranks mixes them per example, {@code A_tau = sum_k w_k A_k} (likewise B), and
 * {@code delta = x A_tau^T B_tau / r}. Leaves and initialisation are TLoRA's.
 */
public final class TensorPolyI extends RoutedAdapter {
    /** The TensorPoly paper's setting (Table 3): r = 16, R = 8, N = 2. */
    public static final TLora.Options DEFAULTS = new TLora.Options(16, 8, 2);

    /** The method's declaration. */
    public record Spec() implements Method<TLora.Options> {
        @Override
        public String name() {
            return "tensorpoly-1";
        }

        @Override
        public List<String> aliases() {
            return List.of("tensorpoly-i");
        }

        @Override
        public Class<TLora.Options> optionsType() {
            return TLora.Options.class;
        }

        @Override
        public TLora.Options defaults() {
            return DEFAULTS;
        }

        @Override
        public Adapter adapter(AdapterSite site, TLora.Options o) {
            return new TensorPolyI(site.manager(), site.inFeatures(), site.outFeatures(), o.rank(), o.tensorRank(), o.order(),
                    site.router(), site.ownsRouter(), site.random(), site.dataType());
        }

        @Override
        public RoutingNeeds routing(TLora.Options o) {
            return RoutingNeeds.taskIds(1, o.tensorRank());
        }

        @Override
        public LearningRates learningRates() {
            return TLora.LEARNING_RATES;
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.values());
        }

        /** TLoRA's Kronecker product of the leaves before truncation. */
        @Override
        public double largestTensor(TLora.Options o, int inFeatures, int outFeatures) {
            return TLora.kroneckerElements(o, inFeatures, outFeatures);
        }

        @Override
        public String describe(TLora.Options o, int trainingTasks) {
            return "r=" + o.rank() + ";R=" + o.tensorRank() + ";N=" + o.order();
        }
    }

    private final int inFeatures;
    private final int outFeatures;
    private final int rank;
    private final int tensorRank;
    private final int order;

    /** The parameter {@code leaves_a}, held for the forward pass. */
    private final Parameter leavesA;
    /** The parameter {@code leaves_b}, held for the forward pass. */
    private final Parameter leavesB;

    /**
     * Creates a TensorPoly-I adapter for one projection; the leaves come from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R} (the experts)
     * @param order the tensor order {@code N}
     * @param router the router over the ranks ({@code 1 x R})
     * @param ownsRouter whether this adapter registers the router
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public TensorPolyI(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            Router router, boolean ownsRouter, RandomStream random, DataType dataType) {
        super(1, tensorRank, router, ownsRouter);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.tensorRank = tensorRank;
        this.order = order;
        leavesA = addParameter("leaves_a",
                EntangledTensor.randomLeaves(manager, inFeatures, inFeatures, rank, tensorRank, order, random, dataType));
        leavesB = addParameter("leaves_b",
                EntangledTensor.randomLeaves(manager, inFeatures, outFeatures, rank, tensorRank, order, random, dataType));
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDArray w = routingWeights(x, ctx);
        long rows = w.getShape().get(0);
        NDArray flat = w.reshape(rows, tensorRank);
        NDArray a = mix(flat, leavesA, inFeatures, x.getManager()).transpose(0, 2, 1);
        NDArray b = mix(flat, leavesB, outFeatures, x.getManager());
        return perRank(lowRank(x, a, b), rank);
    }

    /** Builds the R components of one factor and mixes them per example: {@code [B', r, d]}. */
    private NDArray mix(NDArray w, Parameter leaves, int d, NDManager scope) {
        NDArray components = EntangledTensor.build(StepScope.view(leaves, scope), d);
        return w.matMul(components.reshape(tensorRank, (long) rank * d)).reshape(w.getShape().get(0), rank, d);
    }

    /**
     * Returns TensorPoly-I with the same leaves and a fixed uniform router: an average of normalised
     * rank components is no single product of leaves, so the -mu adapter keeps all R of them.
     */
    @Override
    public TensorPolyI averaged() {
        NDManager manager = parameter("leaves_a").array().getManager();
        DataType type = parameter("leaves_a").array().getDataType();
        TensorPolyI copy = new TensorPolyI(manager, inFeatures, outFeatures, rank, tensorRank, order,
                new UniformRouter(1, tensorRank, type), true, RandomStream.of(0), type); // leaves copied below
        try (NDManager tmp = manager.newSubManager()) {
            copy.parameter("leaves_a").set(StepScope.view(parameter("leaves_a"), tmp).duplicate().stopGradient());
            copy.parameter("leaves_b").set(StepScope.view(parameter("leaves_b"), tmp).duplicate().stopGradient());
        }
        return copy;
    }
}
