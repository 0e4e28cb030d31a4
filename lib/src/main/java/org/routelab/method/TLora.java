package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.BuiltTogether;
import org.routelab.adapter.EntangledTensor;
import org.routelab.adapter.FactorBatches;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;

/**
 * TLoRA: LoRA whose factors are entangled tensors of tensor rank {@code R} and order {@code N}. Leaves
 * {@code A [N, R, r, l_in]}, {@code B [N, R, r, l_out]} with {@code l = ceil(d^(1/N))}; each factor is
 * {@code sum_k (leaf_1k kron ... kron leaf_Nk)} row by row (see {@link EntangledTensor}), giving
 * {@code A [r, d_in]} and {@code B [r, d_out]}, and {@code delta = x A^T B / r}. As in the reference
 * (mttl's PolyLoRATensor), both leaf sets start from {@code U(-s, s)}, {@code s = sqrt(1/3) / sqrt(d_in)},
 * at every order (see {@link EntangledTensor#randomLeaves}). B's leaves are not zero, and B is built
 * through layer normalisations, so at initialisation B is a full-scale matrix and TLoRA changes the
 * model's output from the first step (unlike LoRA, whose B starts at zero); the reference keeps a zero
 * initialisation of B commented out.
 *
 * <p>The factors depend on the leaves alone, so the TLoRA adapters of one model with the same sizes
 * build theirs together, once per forward pass ({@link FactorBatches}): one build over all their
 * stacked leaves per factor, one split to hand each adapter its own.
 */
public final class TLora extends Adapter implements BuiltTogether<TLora> {
    /**
     * The tensor methods' options (TLoRA, TensorPoly-I and II share TLoRA's leaves and these sizes).
     *
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R}
     * @param order the tensor order {@code N}
     */
    public record Options(int rank, int tensorRank, int order) {
        /** Validates the values. */
        public Options {
            if (rank < 1 || tensorRank < 1 || order < 1) {
                throw new IllegalArgumentException("rank, tensor rank and order must be positive, got " + rank + ", "
                        + tensorRank + " and " + order);
            }
        }
    }

    /** The TensorPoly paper's TLoRA (Table 3): r = 16, R = 1, N = 2. */
    public static final Options DEFAULTS = new Options(16, 1, 2);

    /**
     * TLoRA's learning rates on the built-in default, chosen on SkillComp's validation tasks (the tuning
     * is in {@link LearningRates}): multi-task 3e-3 (validation 0.686; 1e-3 gave 0.497, 1e-2 0.215),
     * few-shot 1e-2. Its update is a Kronecker product of normalised factors, which Adafactor's absolute
     * steps at LoRA's rates move too far.
     */
    public static final LearningRates LEARNING_RATES = new LearningRates(3e-3f, 1e-2f);

    /**
     * Returns how many elements the Kronecker product of a projection's leaves has before it is
     * truncated: {@code R r l^N} with {@code l = ceil(max(in, out)^(1/N))} (at least {@code 2^N}).
     *
     * @param o the sizes
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @return the element count
     */
    static double kroneckerElements(Options o, int inFeatures, int outFeatures) {
        int l = EntangledTensor.leafSize(Math.max(inFeatures, outFeatures), o.order());
        return (double) o.tensorRank() * o.rank() * Math.pow(l, o.order());
    }

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "tlora";
        }

        @Override
        public Class<Options> optionsType() {
            return Options.class;
        }

        @Override
        public Options defaults() {
            return DEFAULTS;
        }

        @Override
        public Adapter adapter(AdapterSite site, Options o) {
            return new TLora(site.manager(), site.inFeatures(), site.outFeatures(), o.rank(), o.tensorRank(), o.order(),
                    site.random(), site.dataType(), site.factorBatches());
        }

        @Override
        public RoutingNeeds routing(Options o) {
            return RoutingNeeds.LAYER_INPUT;
        }

        @Override
        public LearningRates learningRates() {
            return LEARNING_RATES;
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.FULL);
        }

        /** The Kronecker product of the {@code N} leaves before truncation: {@code R r l^N}. */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return kroneckerElements(o, inFeatures, outFeatures);
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank() + ";R=" + o.tensorRank() + ";N=" + o.order();
        }

        @Override
        public String updateScale(Options o) {
            return "1/r = " + Method.scaleText(1.0 / o.rank());
        }
    }

    private final int inFeatures;
    private final int outFeatures;
    private final int rank;
    private final int tensorRank;
    private final int order;
    /** Where the adapter's factors are built with those of the adapters like it, or null: alone. */
    private final FactorBatches batches;

    /** The parameter {@code leaves_a}, held for the forward pass. */
    private final Parameter leavesA;
    /** The parameter {@code leaves_b}, held for the forward pass. */
    private final Parameter leavesB;

    /**
     * Creates a TLoRA adapter for one projection that builds its factors alone; the leaves come from
     * {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R}
     * @param order the tensor order {@code N}
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public TLora(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            RandomStream random, DataType dataType) {
        this(manager, inFeatures, outFeatures, rank, tensorRank, order, random, dataType, null);
    }

    /**
     * Creates a TLoRA adapter for one projection; the leaves come from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R}
     * @param order the tensor order {@code N}
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     * @param batches where the factors are built together with those of the model's other adapters of
     *     the same sizes (one per injection), or null to build them alone
     */
    public TLora(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            RandomStream random, DataType dataType, FactorBatches batches) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.tensorRank = tensorRank;
        this.order = order;
        this.batches = batches;
        leavesA = addParameter("leaves_a",
                EntangledTensor.randomLeaves(manager, inFeatures, inFeatures, rank, tensorRank, order, random, dataType));
        leavesB = addParameter("leaves_b",
                EntangledTensor.randomLeaves(manager, inFeatures, outFeatures, rank, tensorRank, order, random, dataType));
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        NDList f = batches == null ? factors(List.of(this), ctx, scope).get(0) : batches.factors(this, ctx, scope);
        return x.matMul(f.get(0)).matMul(f.get(1));
    }

    @Override
    public Object factorKey() {
        return List.of(TLora.class, inFeatures, outFeatures, rank, tensorRank, order);
    }

    /** The Kronecker products of the larger factor ({@code R r l^N}). */
    @Override
    public double factorElements() {
        return kroneckerElements(new Options(rank, tensorRank, order), inFeatures, outFeatures);
    }

    /**
     * Builds each factor of the batch's adapters at once: {@code A^T / r [d_in, r]} and
     * {@code B [r, d_out]} per adapter.
     */
    @Override
    public List<NDList> factors(List<TLora> batch, ForwardContext ctx, NDManager scope) {
        int n = batch.size();
        // 1/r is the gain of A's layer normalisation: no pass of its own
        NDArray a = build(batch, t -> t.leavesA, inFeatures, 1f / rank, scope).transpose(); // [d_in, n r]
        NDArray b = build(batch, t -> t.leavesB, outFeatures, 1f, scope); // [n r, d_out]
        // one split per factor: its backward is one concatenation, where n slices would be n scatters
        NDList as = n == 1 ? new NDList(a) : a.split(n, 1);
        NDList bs = n == 1 ? new NDList(b) : b.split(n, 0);
        List<NDList> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new NDList(as.get(i), bs.get(i)));
        }
        return out;
    }

    /** One factor of every adapter of the batch, built from their leaves side by side: {@code [n r, d]}. */
    private NDArray build(List<TLora> batch, Function<TLora, Parameter> leaves, int d, float scale, NDManager scope) {
        NDArray stacked;
        if (batch.size() == 1) {
            stacked = StepScope.view(leaves.apply(batch.get(0)), scope);
        } else {
            NDList all = new NDList(batch.size());
            for (TLora t : batch) {
                all.add(leaves.apply(t).array());
            }
            // [N, n R, r, l]; the concatenation's receiver is a parameter: move the result into the step scope
            stacked = NDArrays.concat(all, 1);
            stacked.attach(scope);
        }
        NDArray built = EntangledTensor.build(stacked, d, scale); // [n R, r, d]
        long rows = (long) batch.size() * rank;
        if (tensorRank == 1) {
            return built.reshape(rows, d); // nothing to sum over R
        }
        return built.reshape(batch.size(), tensorRank, rank, d).sum(new int[] {1}).reshape(rows, d);
    }
}
