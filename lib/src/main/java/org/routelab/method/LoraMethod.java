package org.routelab.method;

import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.routing.AdaptationVariant;

/**
 * LoRA, the papers' single-adapter baseline, {@link Lora} on every projection, at scale {@code alpha / r}.
 * By default {@code alpha = 1} as in the reference (mttl's LoRA), so the scale is {@code 1/r} like Poly's
 * and MHR's; {@code alpha = r} gives scale 1 at every rank (equal at rank 1 only).
 */
public final class LoraMethod {
    private LoraMethod() {}

    /**
     * LoRA's options.
     *
     * @param rank the rank {@code r} (the MHR paper's 1 by default)
     * @param alpha the scale's numerator, {@code delta = (alpha / r) x A B} (the reference's 1 by default)
     */
    public record Options(int rank, float alpha) {
        /** The paper's setting, with the reference's scale. */
        public static final Options DEFAULT = new Options(1, 1f);

        /** Validates the values. */
        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("rank must be positive, got " + rank);
            }
            if (!(alpha > 0f) || Float.isInfinite(alpha)) {
                throw new IllegalArgumentException("alpha must be positive and finite, got " + alpha);
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
            LoraConfig config = new LoraConfig(o.rank(), o.alpha(), 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS);
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
            return "r=" + o.rank() + ";alpha=" + Method.scaleText(o.alpha());
        }

        @Override
        public String updateScale(Options o) {
            return "alpha/r = " + Method.scaleText((double) o.alpha() / o.rank());
        }
    }
}
