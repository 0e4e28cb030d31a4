package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.EntangledTensor;
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
 */
public final class TLora extends Adapter {
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
            return new TLora(site.manager(), site.inFeatures(), site.outFeatures(), o.rank(), o.tensorRank(), o.order(), site.random(), site.dataType());
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

    /** The parameter {@code leaves_a}, held for the forward pass. */
    private final Parameter leavesA;
    /** The parameter {@code leaves_b}, held for the forward pass. */
    private final Parameter leavesB;

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
     */
    public TLora(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            RandomStream random, DataType dataType) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        leavesA = addParameter("leaves_a",
                EntangledTensor.randomLeaves(manager, inFeatures, inFeatures, rank, tensorRank, order, random, dataType));
        leavesB = addParameter("leaves_b",
                EntangledTensor.randomLeaves(manager, inFeatures, outFeatures, rank, tensorRank, order, random, dataType));
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        // 1/r is the gain of A's layer normalisation: no pass of its own
        NDArray a = EntangledTensor.build(StepScope.view(leavesA, scope), inFeatures, 1f / rank).sum(new int[] {0});
        NDArray b = EntangledTensor.build(StepScope.view(leavesB, scope), outFeatures, 1f).sum(new int[] {0});
        return x.matMul(a.transpose()).matMul(b);
    }
}
