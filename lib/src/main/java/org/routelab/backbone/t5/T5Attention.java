package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.Attention;
import org.routelab.nn.Embedding;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.KvCache;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;
import org.routelab.nn.RelativePositionBuckets;

/**
 * T5 multi-head attention ({@code SelfAttention} or {@code EncDecAttention}): projections
 * {@code q, k, v, o} without biases and unscaled scores (the scale is folded into the
 * initialisation). The first layer of each stack also owns the relative-position bias table that all
 * layers of the stack share.
 */
public final class T5Attention extends Module {
    private final T5Config config;
    private final boolean hasRelativeBias;

    T5Attention(NDManager manager, T5Config config, boolean hasRelativeBias, DataType dataType) {
        this.config = config;
        this.hasRelativeBias = hasRelativeBias;
        int inner = config.numHeads() * config.dKv();
        addChild("q", new Linear(manager, config.dModel(), inner, dataType));
        addChild("k", new Linear(manager, config.dModel(), inner, dataType));
        addChild("v", new Linear(manager, config.dModel(), inner, dataType));
        addChild("o", new Linear(manager, inner, config.dModel(), dataType));
        if (hasRelativeBias) {
            addChild("relative_attention_bias", new Embedding(manager, config.numBuckets(), config.numHeads(), dataType));
        }
    }

    /**
     * Computes the relative-position bias of a block of queries against all keys.
     *
     * @param manager where the bias is created
     * @param queryOffset absolute position of the first query
     * @param queries the number of queries
     * @param keys the number of keys
     * @param bidirectional true in the encoder, false in the decoder
     * @return {@code [1, H, queries, keys]} float32
     */
    NDArray positionBias(NDManager manager, int queryOffset, int queries, int keys, boolean bidirectional) {
        if (!hasRelativeBias) {
            throw new IllegalStateException("only the first layer of a stack owns the relative-position bias");
        }
        int[] buckets = RelativePositionBuckets.matrix(
                queryOffset, queries, keys, bidirectional, config.numBuckets(), config.maxDistance());
        NDArray ids = manager.create(buckets, new Shape(queries, keys));
        NDArray bias = child("relative_attention_bias", Embedding.class).forward(ids); // [q, k, H]
        return bias.transpose(2, 0, 1).expandDims(0).toType(DataType.FLOAT32, false);
    }

    /**
     * Attends from {@code hidden} to itself (self-attention) or to {@code memory} (cross-attention).
     *
     * @param hidden queries' states {@code [B, Lq, d_model]}
     * @param memory encoder states for cross-attention, or null for self-attention
     * @param bias additive bias broadcastable to {@code [B, H, Lq, Lk]}
     * @param ctx the forward context
     * @param cache decoding cache (self: appended; cross: filled once), or null
     * @param layer this layer's index in the cache
     * @return {@code [B, Lq, d_model]}
     */
    NDArray forward(NDArray hidden, NDArray memory, NDArray bias, ForwardContext ctx, KvCache cache, int layer) {
        int heads = config.numHeads();
        NDArray q = Attention.splitHeads(proj("q").forward(hidden, ctx), heads);
        NDArray k;
        NDArray v;
        NDManager scope = hidden.getManager();
        if (memory != null && cache != null && cache.has(layer)) {
            k = cache.keys(layer, scope);
            v = cache.values(layer, scope);
        } else {
            NDArray source = memory == null ? hidden : memory;
            ForwardContext sourceCtx = memory == null ? ctx : ctx.attendedSequence();
            k = Attention.splitHeads(proj("k").forward(source, sourceCtx), heads);
            v = Attention.splitHeads(proj("v").forward(source, sourceCtx), heads);
            if (cache != null) {
                cache.append(layer, k, v);
                k = cache.keys(layer, scope);
                v = cache.values(layer, scope);
            }
        }
        NDArray context = Attention.attend(q, k, v, 1f, bias, config.dropoutRate(), ctx);
        return proj("o").forward(Attention.mergeHeads(context), ctx);
    }

    private Linear proj(String name) {
        return child(name, Linear.class);
    }
}
