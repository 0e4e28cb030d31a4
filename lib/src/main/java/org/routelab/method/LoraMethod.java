package org.routelab.method;

import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.routing.AdaptationVariant;

/** LoRA with scale 1 ({@code alpha = r}): the papers' single-adapter baseline, {@link Lora} on every projection. */
public final class LoraMethod {
    private LoraMethod() {}

    /**
     * LoRA's options.
     *
     * @param rank the rank {@code r} (the MHR paper's 1 by default)
     */
    public record Options(int rank) {
        /** The paper's setting. */
        public static final Options DEFAULT = new Options(1);

        /** Validates the value. */
        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("rank must be positive, got " + rank);
            }
        }
    }

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "lora";
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
            LoraConfig config = new LoraConfig(o.rank(), o.rank(), 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS);
            return new Lora(site.manager(), site.inFeatures(), site.outFeatures(), config, site.random(), site.dataType());
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
            return Set.of(AdaptationVariant.FULL);
        }

        /** The larger of A {@code [in, r]} and B {@code [r, out]}. */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return (double) o.rank() * Math.max(inFeatures, outFeatures);
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank();
        }
    }
}
