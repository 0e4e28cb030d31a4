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
import org.routelab.adapter.FactorBatches;
import org.routelab.adapter.StepScope;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.Router;

/**
 * TensorPoly-II: routing over tensor rank and order. The router gives, per example, weights
 * {@code w [N, R]} normalised over the ranks of each order; each order's leaf is mixed first,
 * {@code A_i = sum_k w_ik leaf_ik}, then the factor is their Kronecker product
 * {@code A_tau = A_1 kron ... kron A_N} (normalised, truncated), built per example; likewise B, and
 * {@code delta = x A_tau^T B_tau / r}. Leaves are TLoRA's; as in the reference, both leaf sets are
 * xavier-uniform over the whole leaf tensor (see {@link EntangledTensor#xavierLeaves}).
 *
 * <p>The paper writes the normalisation as a sum over orders for a fixed rank; we normalise over the
 * ranks of each order, as the reference design notes, so that each mixed leaf is a convex combination.
 */
public final class TensorPolyII extends RoutedAdapter {
    /** The TensorPoly paper's setting (Table 3): r = 16, R = 8, N = 2. */
    public static final TLora.Options DEFAULTS = new TLora.Options(16, 8, 2);

    /** The method's declaration. */
    public record Spec() implements Method<TLora.Options> {
        @Override
        public String name() {
            return "tensorpoly-2";
        }

        @Override
        public List<String> aliases() {
            return List.of("tensorpoly-ii");
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
            return new TensorPolyII(site.manager(), site.inFeatures(), site.outFeatures(), o.rank(), o.tensorRank(), o.order(),
                    site.router(), site.ownsRouter(), site.random(), site.dataType(), site.factorBatches());
        }

        @Override
        public RoutingNeeds routing(TLora.Options o) {
            return RoutingNeeds.taskIds(o.order(), o.tensorRank());
        }

        @Override
        public LearningRates learningRates() {
            return TensorPolyI.LEARNING_RATES;
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

    /** Where the {@link #averaged} TLoRA builds its factors, or null: alone. */
    private final FactorBatches batches;

    /** The parameter {@code leaves_a}, held for the forward pass. */
    private final Parameter leavesA;
    /** The parameter {@code leaves_b}, held for the forward pass. */
    private final Parameter leavesB;

    /**
     * Creates a TensorPoly-II adapter for one projection; the leaves come from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R} (experts per order)
     * @param order the tensor order {@code N} (routing groups)
     * @param router the router ({@code N x R})
     * @param ownsRouter whether this adapter registers the router
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     * @param batches where the {@link #averaged} TLoRA builds its factors together with the model's
     *     other TLoRAs of the same sizes (one per injection), or null to build them alone
     */
    public TensorPolyII(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            Router router, boolean ownsRouter, RandomStream random, DataType dataType, FactorBatches batches) {
        super(order, tensorRank, router, ownsRouter);
        this.batches = batches;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.tensorRank = tensorRank;
        this.order = order;
        leavesA = addParameter("leaves_a",
                EntangledTensor.xavierLeaves(manager, inFeatures, rank, tensorRank, order, random, dataType));
        leavesB = addParameter("leaves_b",
                EntangledTensor.xavierLeaves(manager, outFeatures, rank, tensorRank, order, random, dataType));
    }

    @Override
    protected Object factorKey() {
        return List.of(TensorPolyII.class, inFeatures, outFeatures, rank, tensorRank, order);
    }

    /** The Kronecker products of the larger factor, one per example: {@code R r l^N} at a batch of R. */
    @Override
    protected double factorElements() {
        return TLora.kroneckerElements(new TLora.Options(rank, tensorRank, order), inFeatures, outFeatures);
    }

    @Override
    protected List<Parameter> factorParameters() {
        return List.of(leavesA, leavesB);
    }

    /** Every adapter's leaves are mixed per order and example, then built in one go. */
    @Override
    protected NDList factors(NDArray weights, NDList parameters) {
        Shape w = weights.getShape();
        // [N n, B', R]: one copy, which both factors' products read
        NDArray perOrder = weights.transpose(2, 0, 1, 3).reshape(order * w.get(0), w.get(1), tensorRank);
        // the layer normalisations undo any scale of the leaves: 1/r is the gain of A's first one
        NDArray a = mix(perOrder, parameters.get(0), inFeatures, 1f / rank, true);
        NDArray b = mix(perOrder, parameters.get(1), outFeatures, 1f, false);
        return new NDList(a, b);
    }

    /**
     * Mixes stacked leaves {@code [n, N, R, r, l]} per order and example (weights {@code [N n, B', R]}),
     * then builds them times {@code scale}: {@code A^T [n, B', d, r]} by columns (see
     * {@link EntangledTensor#buildColumns}), or {@code B [n, B', r, d]} by rows.
     */
    private NDArray mix(NDArray perOrder, NDArray leaves, int d, float scale, boolean columns) {
        long n = leaves.getShape().get(0);
        long rows = perOrder.getShape().get(1);
        long leaf = leaves.getShape().get(4);
        // each order's leaves side by side, [N n, R, r l] or, by columns, [N n, R, l r]
        NDArray stacked = (columns ? leaves.transpose(1, 0, 2, 4, 3) : leaves.transpose(1, 0, 2, 3, 4))
                .reshape(order * n, tensorRank, rank * leaf);
        // bmm itself: matmul would wrap it in broadcasting views that autograd records and undoes
        NDArray mixed = perOrder.batchMatMul(stacked);
        if (columns) {
            return EntangledTensor.buildColumns(mixed.reshape(order, n * rows, leaf, rank), d, scale)
                    .reshape(n, rows, d, rank);
        }
        return EntangledTensor.build(mixed.reshape(order, n * rows, rank, leaf), d, scale).reshape(n, rows, rank, d);
    }

    /**
     * Returns the TLoRA of tensor rank 1 whose leaves are each order's rank average: exactly the
     * uniform mixture, with TLoRA's parameter count. It builds its factors where this adapter's
     * injection builds TLoRA's, so the averaged adapters of a model build theirs together.
     */
    @Override
    public TLora averaged() {
        NDManager manager = parameter("leaves_a").array().getManager();
        DataType type = parameter("leaves_a").array().getDataType();
        // Its leaves are set to the rank averages below; the draw only fills them first.
        TLora tlora = new TLora(manager, inFeatures, outFeatures, rank, 1, order, RandomStream.of(0), type, batches);
        try (NDManager tmp = manager.newSubManager()) {
            tlora.parameter("leaves_a").set(
                    StepScope.view(parameter("leaves_a"), tmp).mean(new int[] {1}, true).stopGradient());
            tlora.parameter("leaves_b").set(
                    StepScope.view(parameter("leaves_b"), tmp).mean(new int[] {1}, true).stopGradient());
        }
        return tlora;
    }
}
