package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.KvCache;
import org.routelab.nn.Module;
import org.routelab.nn.RmsNorm;

/**
 * One pre-norm residual sub-layer of a T5 block: {@code x + dropout(f(layer_norm(x)))}, where
 * {@code f} is self-attention ({@code SelfAttention}), cross-attention ({@code EncDecAttention}) or
 * the feed-forward ({@code DenseReluDense}), as Hugging Face names them.
 */
public final class T5SubLayer extends Module {
    /** What a sub-layer computes; the names are the Hugging Face child names. */
    enum Kind {
        SELF_ATTENTION("SelfAttention"),
        CROSS_ATTENTION("EncDecAttention"),
        FEED_FORWARD("DenseReluDense");

        final String childName;

        Kind(String childName) {
            this.childName = childName;
        }
    }

    private final T5Config config;
    private final Kind kind;

    T5SubLayer(NDManager manager, T5Config config, Kind kind, boolean hasRelativeBias, DataType dataType) {
        this.config = config;
        this.kind = kind;
        if (kind == Kind.FEED_FORWARD) {
            addChild(kind.childName, new T5DenseFeedForward(manager, config, dataType));
        } else {
            addChild(kind.childName, new T5Attention(manager, config, hasRelativeBias, dataType));
        }
        addChild("layer_norm", new RmsNorm(manager, config.dModel(), config.layerNormEpsilon(), dataType));
    }

    /** Returns the attention of an attention sub-layer. */
    T5Attention attention() {
        return child(kind.childName, T5Attention.class);
    }

    NDArray forward(NDArray x, NDArray memory, NDArray bias, ForwardContext ctx, KvCache cache, int layer) {
        NDArray normed = child("layer_norm", RmsNorm.class).forward(x);
        NDArray out;
        if (kind == Kind.FEED_FORWARD) {
            out = child(kind.childName, T5DenseFeedForward.class).forward(normed, ctx);
        } else {
            out = attention().forward(normed, memory, bias, ctx, cache, layer);
        }
        NDArray dropped = T5Stack.dropout(out, config, ctx);
        NDArray sum = x.add(dropped);
        // Autograd keeps what backward needs; the handles are freed now rather than with the step.
        normed.close();
        out.close();
        dropped.close();
        return sum;
    }
}
