package org.routelab.adapter;

import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.routelab.backbone.AdapterTargets;
import org.routelab.nn.Module;
import org.routelab.nn.RandomStream;

/**
 * LoRA hyper-parameters and where to inject it.
 *
 * @param rank the rank {@code r}
 * @param alpha the scale numerator: {@code delta = (alpha / r) x A B}
 * @param dropout dropout on the adapter's input during training
 * @param modules regex searched in the path of the module holding a projection
 * @param layers regex matched against a projection's own name
 */
public record LoraConfig(int rank, float alpha, float dropout, String modules, String layers) {
    /** The T5 targets the papers adapt: every attention and feed-forward projection. */
    public static final String T5_MODULES = AdapterTargets.T5.modules();
    /** The projection names of {@link #T5_MODULES}. */
    public static final String T5_LAYERS = AdapterTargets.T5.layers();

    /** Validates the values. */
    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        if (dropout < 0f || dropout >= 1f) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
    }

    /**
     * Returns rank {@code r} with {@code alpha = r} (scale 1, as in the papers), no dropout, on the
     * given projections (e.g. a backbone's {@code defaultAdapterTargets()}).
     *
     * @param rank the rank
     * @param targets the projections to adapt
     * @return the configuration
     */
    public static LoraConfig ofRank(int rank, AdapterTargets targets) {
        return new LoraConfig(rank, rank, 0f, targets.modules(), targets.layers());
    }

    /**
     * Injects LoRA into a model, freezing everything else.
     *
     * @param model the model to modify in place
     * @param random the stream the adapters' initial values are drawn from
     * @param dataType the adapters' data type
     * @return the paths of the adapted projections
     */
    public List<String> inject(Module model, RandomStream random, DataType dataType) {
        return AdapterInjector.inject(model, modules, layers, (path, base) -> new Lora(base.weight().array().getManager(),
                base.inFeatures(), base.outFeatures(), this, random, dataType));
    }
}
