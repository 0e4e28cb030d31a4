package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Module;
import org.routelab.nn.ModuleList;

/**
 * A T5 block: sub-layers {@code layer.0} self-attention, {@code layer.1} cross-attention (decoder
 * only) and the last one feed-forward.
 */
public final class T5Block extends Module {
    private final boolean decoder;

    T5Block(NDManager manager, T5Config config, boolean decoder, boolean hasRelativeBias, DataType dataType) {
        this.decoder = decoder;
        List<T5SubLayer> layers = new ArrayList<>();
        layers.add(new T5SubLayer(manager, config, T5SubLayer.Kind.SELF_ATTENTION, hasRelativeBias, dataType));
        if (decoder) {
            layers.add(new T5SubLayer(manager, config, T5SubLayer.Kind.CROSS_ATTENTION, false, dataType));
        }
        layers.add(new T5SubLayer(manager, config, T5SubLayer.Kind.FEED_FORWARD, false, dataType));
        addChild("layer", new ModuleList<>(T5SubLayer.class, layers));
    }

    @SuppressWarnings("unchecked")
    private ModuleList<T5SubLayer> layers() {
        return child("layer", ModuleList.class);
    }

    /** Returns the self-attention of this block. */
    T5Attention selfAttention() {
        return layers().get(0).attention();
    }

    NDArray forward(
            NDArray hidden,
            NDArray selfBias,
            NDArray memory,
            NDArray crossBias,
            ForwardContext ctx,
            T5DecodingCache cache,
            int index) {
        ModuleList<T5SubLayer> layers = layers();
        NDArray h = layers.get(0).forward(hidden, null, selfBias, ctx, cache == null ? null : cache.self(), index);
        if (decoder) {
            h = layers.get(1).forward(h, memory, crossBias, ctx, cache == null ? null : cache.cross(), index);
        }
        return layers.get(layers.size() - 1).forward(h, null, null, ctx, null, index);
    }
}
