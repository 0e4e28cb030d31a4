package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.adapter.StepScope;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.Router;

/**
 * MHR (multi-head routing): Poly with the input and output dimensions cut into {@code q} heads, each
 * mixing its own slice of the S skills with its own weights. {@code A [q, S, d_in/q, r]},
 * {@code B [q, S, r, d_out/q]}; the mixed head slices are concatenated along {@code d_in} (A) and
 * {@code d_out} (B), so the total rank stays {@code r}; {@code delta = x A_tau B_tau / r}. With one
 * head this is {@link Poly}.
 */
public final class Mhr extends RoutedAdapter {
    /**
     * MHR's options (the MHR paper's T5-XL setting by default: r = 1, S = 8, q = 64).
     *
     * @param rank the LoRA rank {@code r}
     * @param skills the number of skills {@code S}
     * @param heads the number of heads {@code q} (must divide the adapted projections' sizes)
     */
    public record Options(int rank, int skills, int heads) {
        /** The paper's setting. */
        public static final Options DEFAULT = new Options(1, 8, 64);

        /** Validates the values. */
        public Options {
            check(rank, skills, heads);
        }

        static void check(int rank, int skills, int heads) {
            if (rank < 1 || skills < 1 || heads < 1) {
                throw new IllegalArgumentException("rank, skills and heads must be positive, got " + rank + ", "
                        + skills + " and " + heads);
            }
        }
    }

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "mhr";
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
            return new Mhr(site.manager(), site.inFeatures(), site.outFeatures(), o.rank(), o.skills(), o.heads(),
                    site.router(), site.ownsRouter(), site.random(), site.dataType());
        }

        @Override
        public RoutingNeeds routing(Options o) {
            return RoutingNeeds.taskIds(o.heads(), o.skills());
        }

        @Override
        public LearningRates learningRates() {
            return LearningRates.LORA_STYLE;
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.values());
        }

        /** The larger of the experts' A {@code [q, S, in/q, r]} and B {@code [q, S, r, out/q]}. */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return (double) o.skills() * o.rank() * Math.max(inFeatures, outFeatures);
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank() + ";S=" + o.skills() + ";q=" + o.heads();
        }

        @Override
        public String updateScale(Options o) {
            return "1/r = " + Method.scaleText(1.0 / o.rank());
        }
    }

    private final int inFeatures;
    private final int outFeatures;
    private final int rank;
    private final int skills;
    private final int heads;

    /** The parameter {@code lora_a}, held for the forward pass. */
    private final Parameter loraA;
    /** The parameter {@code lora_b}, held for the forward pass. */
    private final Parameter loraB;

    /**
     * Creates an MHR adapter for one projection; {@code A} comes from {@code random}
     * (kaiming-uniform with the head slice {@code d_in/q} as fan-in, as the reference initialises each
     * head's block).
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size (divisible by {@code heads})
     * @param outFeatures the projection's output size (divisible by {@code heads})
     * @param rank the LoRA rank {@code r}
     * @param skills the number of skills {@code S}
     * @param heads the number of heads {@code q}
     * @param router the router ({@code q x S})
     * @param ownsRouter whether this adapter registers the router
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public Mhr(NDManager manager, int inFeatures, int outFeatures, int rank, int skills, int heads, Router router,
            boolean ownsRouter, RandomStream random, DataType dataType) {
        super(heads, skills, router, ownsRouter);
        if (inFeatures % heads != 0 || outFeatures % heads != 0) {
            throw new IllegalArgumentException("MHR heads (" + heads + ") must divide the projection sizes "
                    + inFeatures + " and " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.skills = skills;
        this.heads = heads;
        float bound = (float) (1.0 / Math.sqrt((double) inFeatures / heads));
        loraA = addParameter("lora_a", random.uniform(manager, 
                -bound, bound, new Shape(heads, skills, inFeatures / heads, rank), dataType));
        loraB = addParameter("lora_b", manager.zeros(new Shape(heads, skills, rank, outFeatures / heads), dataType));
    }

    @Override
    protected Object factorKey() {
        return List.of(Mhr.class, inFeatures, outFeatures, rank, skills, heads);
    }

    /** The experts of the larger factor ({@code S r max(in, out)}); each example's mixture is S times smaller. */
    @Override
    protected double factorElements() {
        return (double) skills * rank * Math.max(inFeatures, outFeatures);
    }

    @Override
    protected List<Parameter> factorParameters() {
        return List.of(loraA, loraB);
    }

    /**
     * Each head's mixtures are linear in its weights, so the division by the weights' sum acts on the
     * smaller side: the mixtures where they hold fewer values per head ({@code (d_in + d_out) r / q})
     * than the S weights (one each for 64 heads of 64 features), else the weights.
     */
    @Override
    protected boolean mixesBeforeNormalising() {
        return ((long) inFeatures + outFeatures) / heads * rank < skills;
    }

    /** Each head mixes its own slice of A and of B; the heads are then laid side by side. */
    @Override
    protected NDList factors(NDArray weights, NDList parameters) {
        Shape s = weights.getShape(); // [n, B', q, S]
        long n = s.get(0);
        long rows = s.get(1);
        int outHead = outFeatures / heads;
        long inWidth = (long) inFeatures / heads * rank;
        long outWidth = (long) rank * outHead;
        NDArray a;
        NDArray b;
        if (mixesBeforeNormalising()) {
            NDArray sums = Router.normalisers(weights);
            a = mixHeads(weights, parameters.get(0), inWidth).div(rank == 1 ? sums : Scalars.mul(sums, rank));
            b = mixHeads(weights, parameters.get(1), outWidth).div(sums);
        } else {
            a = mixHeads(perRank(weights, rank), parameters.get(0), inWidth);
            b = mixHeads(weights, parameters.get(1), outWidth);
        }
        a = a.reshape(n, rows, inFeatures, rank);
        b = rank == 1 ? b.reshape(n, rows, 1, outFeatures)
                : b.reshape(n, rows, heads, rank, outHead).transpose(0, 1, 3, 2, 4).reshape(n, rows, rank, outFeatures);
        return new NDList(a, b);
    }

    /**
     * Mixes each head's experts with its weights: {@code sum_s w[.., b, h, s] p[.., h, s, :]}.
     *
     * @param w the weights {@code [n, B', q, S]}
     * @param p the stacked experts {@code [n, q, S, ...]}, {@code width} values per head and skill
     * @param width the values per head and skill
     * @return {@code [n, B', q, width]}
     */
    private NDArray mixHeads(NDArray w, NDArray p, long width) {
        long n = w.getShape().get(0);
        NDArray experts = p.reshape(n, heads, skills, width);
        if (width == 1) {
            // One value per head and skill (MHR's 64 heads on the built-in backbone): a broadcast product
            // is 7x faster than bmm over thousands of 1-column matrices (measured; from 2 columns on, bmm wins).
            return w.mul(experts.reshape(n, 1, heads, skills)).sum(new int[] {3}, true);
        }
        return w.transpose(0, 2, 1, 3).matMul(experts).transpose(0, 2, 1, 3);
    }

    /**
     * Returns the LoRA whose factors are each head's skill average, heads concatenated (alpha 1, so its
     * scale is {@code 1/r} too).
     */
    @Override
    public Lora averaged() {
        LoraConfig config = new LoraConfig(rank, 1f, 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS);
        NDManager manager = parameter("lora_a").array().getManager();
        // Its factors are set to the averages below; the draw only fills them first.
        Lora lora = new Lora(manager, inFeatures, outFeatures, config, RandomStream.of(0),
                parameter("lora_a").array().getDataType());
        try (NDManager tmp = manager.newSubManager()) {
            lora.parameter("lora_a").set(StepScope.view(parameter("lora_a"), tmp).mean(new int[] {1})
                    .reshape(inFeatures, rank).stopGradient());
            lora.parameter("lora_b").set(StepScope.view(parameter("lora_b"), tmp).mean(new int[] {1})
                    .transpose(1, 0, 2).reshape(rank, outFeatures).stopGradient());
        }
        return lora;
    }
}
