package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.EntangledTensor;
import org.routelab.adapter.StepScope;
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

    /**
     * TensorPoly-I's and -II's learning rates on the built-in default, chosen on SkillComp's validation
     * tasks (the tuning is in {@link LearningRates}): multi-task 1e-2, the grid's largest value
     * (validation 0.952 and 0.966; at TLoRA's 3e-3, 0.944 and 0.952), few-shot 1e-2.
     */
    public static final LearningRates LEARNING_RATES = new LearningRates(1e-2f, 1e-2f);

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
            return LEARNING_RATES;
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

        @Override
        public String updateScale(TLora.Options o) {
            return "1/r = " + Method.scaleText(1.0 / o.rank());
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
    protected Object factorKey() {
        return List.of(TensorPolyI.class, inFeatures, outFeatures, rank, tensorRank, order);
    }

    /** The Kronecker products of the larger factor ({@code R r l^N}). */
    @Override
    protected double factorElements() {
        return TLora.kroneckerElements(new TLora.Options(rank, tensorRank, order), inFeatures, outFeatures);
    }

    @Override
    protected List<Parameter> factorParameters() {
        return List.of(leavesA, leavesB);
    }

    /** The R products of every adapter's leaves are built in one go, then mixed per example. */
    @Override
    protected NDList factors(NDArray weights, NDList parameters) {
        long n = weights.getShape().get(0);
        NDArray flat = weights.reshape(n, -1, tensorRank); // [n, B', R]
        NDArray a = mix(perRank(flat, rank), parameters.get(0), inFeatures, true);
        NDArray b = mix(flat, parameters.get(1), outFeatures, false);
        return new NDList(a, b);
    }

    /**
     * Mixes the built components of stacked leaves {@code [n, N, R, r, l]}: {@code A^T [n, B', d, r]}
     * built by columns (see {@link EntangledTensor#buildColumns}), or {@code B [n, B', r, d]} by rows.
     */
    private NDArray mix(NDArray w, NDArray leaves, int d, boolean columns) {
        long n = w.getShape().get(0);
        long leaf = leaves.getShape().get(4);
        // [N, n R, r, l] or [N, n R, l, r]; the columns are copied through [N, n R, l r] even for one
        // adapter, where the transposition alone is a view and every product would inherit its strides
        NDArray built = columns
                ? EntangledTensor.buildColumns(leaves.transpose(1, 0, 2, 4, 3)
                        .reshape(order, n * tensorRank, leaf * rank).reshape(order, n * tensorRank, leaf, rank), d, 1f)
                : EntangledTensor.build(leaves.transpose(1, 0, 2, 3, 4).reshape(order, n * tensorRank, rank, leaf), d);
        // bmm itself: matmul would wrap it in broadcasting views that autograd records and undoes
        NDArray mixed = w.batchMatMul(built.reshape(n, tensorRank, (long) rank * d));
        return columns ? mixed.reshape(n, -1, d, rank) : mixed.reshape(n, -1, rank, d);
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
