package org.routelab.method;

import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.routing.AdaptationVariant;

/**
 * Poly (Polytropon): an inventory of S LoRA skills mixed per task by a router over the skills,
 * {@code A_tau = sum_s w_s A_s}, {@code B_tau = sum_s w_s B_s}, {@code delta = x A_tau B_tau / r}.
 * Poly is {@link Mhr MHR} with one head, and one implementation serves both.
 */
public final class Poly {
    private Poly() {}

    /**
     * Poly's options (the MHR paper's T5-XL setting by default: r = 1, S = 8).
     *
     * @param rank the LoRA rank {@code r}
     * @param skills the number of skills {@code S}
     */
    public record Options(int rank, int skills) {
        /** The paper's setting. */
        public static final Options DEFAULT = new Options(1, 8);

        /** Validates the values. */
        public Options {
            Mhr.Options.check(rank, skills, 1);
        }
    }

    /** The method's declaration. */
    public record Spec() implements Method<Options> {
        @Override
        public String name() {
            return "poly";
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
            return new Mhr(site.manager(), site.inFeatures(), site.outFeatures(), o.rank(), o.skills(), 1,
                    site.router(), site.ownsRouter(), site.random(), site.dataType());
        }

        @Override
        public RoutingNeeds routing(Options o) {
            return RoutingNeeds.taskIds(1, o.skills());
        }

        @Override
        public LearningRates learningRates() {
            return LearningRates.LORA_STYLE;
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.values());
        }

        /** The larger of the experts' A {@code [S, in, r]} and B {@code [S, r, out]}. */
        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return (double) o.skills() * o.rank() * Math.max(inFeatures, outFeatures);
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank() + ";S=" + o.skills();
        }
    }
}
