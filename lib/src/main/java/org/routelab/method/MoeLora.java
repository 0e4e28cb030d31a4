package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.LoraMixture;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.TokenRouter;

/**
 * MoE-LoRA (MoLoRA): E LoRA experts mixed per token by a softmax router over the layer input, with no
 * task ids: {@code delta = sum_e p_e(x) x A_e B_e} ({@link LoraMixture}, {@link TokenRouter}). Soft
 * merge by default; top-k and a Switch load-balancing loss are options ({@link Options}).
 */
public final class MoeLora extends LoraMixture {
    /**
     * MoE-LoRA's learning rates on the built-in default, chosen on SkillComp's validation tasks (the
     * tuning is in {@link LearningRates}): multi-task 1e-2 (validation 0.864; LoRA's 3e-2 gave 0.768),
     * few-shot 3e-2.
     */
    public static final LearningRates LEARNING_RATES = new LearningRates(1e-2f, 3e-2f);

    /**
     * MoE-LoRA's options.
     *
     * @param rank each expert's rank {@code r}
     * @param experts the number of LoRA experts {@code E}
     * @param topK experts kept per token, renormalised over them; 0 keeps all (soft merge, the default)
     * @param loadBalancing the coefficient of the Switch load-balancing loss each layer adds in training;
     *     0 (the default) adds none
     */
    public record Options(int rank, int experts, int topK, float loadBalancing) {
        /** Eight experts (Poly's S), soft merge, no load balancing. */
        public static final Options DEFAULT = new Options(1, 8, 0, 0f);

        /** Validates the values, naming the first bad one. */
        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("moe-lora rank must be positive, got " + rank);
            }
            if (experts < 1) {
                throw new IllegalArgumentException("moe-lora experts must be positive, got " + experts);
            }
            if (topK < 0 || topK > experts) {
                throw new IllegalArgumentException("moe-lora top-k must be between 0 (all experts) and the number of"
                        + " experts (" + experts + "), got " + topK);
            }
            if (!(loadBalancing >= 0f) || Float.isInfinite(loadBalancing)) {
                throw new IllegalArgumentException("moe-lora load-balancing coefficient must be >= 0 and finite, got "
                        + loadBalancing);
            }
        }

        /** Returns a copy with {@code e} experts. */
        public Options withExperts(int e) {
            return new Options(rank, e, topK, loadBalancing);
        }

        /** Returns a copy keeping the {@code k} most probable experts per token (0: all). */
        public Options withTopK(int k) {
            return new Options(rank, experts, k, loadBalancing);
        }

        /** Returns a copy with load-balancing coefficient {@code coefficient} (0: none). */
        public Options withLoadBalancing(float coefficient) {
            return new Options(rank, experts, topK, coefficient);
        }
    }

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "moe-lora";
        }

        @Override
        public List<String> aliases() {
            return List.of("molora");
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
            return new MoeLora(site.manager(), site.inFeatures(), site.outFeatures(), o, site.random(), site.dataType());
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
            return Set.of(AdaptationVariant.FULL, AdaptationVariant.ROUTE_ONLY);
        }

        /** The larger of the experts' A and B ({@code E r max(in, out)}) and the router {@code [in, E]}. */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return Math.max((double) o.experts() * o.rank() * Math.max(inFeatures, outFeatures),
                    (double) inFeatures * o.experts());
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank() + ";E=" + o.experts() + ";top-k=" + (o.topK() == 0 ? "all" : Integer.toString(o.topK()))
                    + ";load-balancing=" + o.loadBalancing();
        }
    }

    /**
     * Creates a MoE-LoRA adapter for one projection; experts and router come from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param options rank, experts, top-k and load balancing
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public MoeLora(NDManager manager, int inFeatures, int outFeatures, Options options, RandomStream random, DataType dataType) {
        super(manager, inFeatures, outFeatures, options.rank(), options.experts(), random, dataType);
        addChild("router", new TokenRouter(manager, inFeatures, options.experts(), options.topK(),
                options.loadBalancing(), random, dataType));
    }

    /** Returns the router. */
    public TokenRouter router() {
        return child("router", TokenRouter.class);
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        // the router's logits and the experts' ranks read the same x: one product
        NDList parts = project(x, router().weight());
        return mix(parts.get(1), router().expertWeights(parts.get(0), x, ctx), x.getShape());
    }
}
