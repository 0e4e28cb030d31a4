package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.Attention;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.KvCache;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;

/**
 * Llama-family self-attention ({@code self_attn}): projections {@code q_proj, k_proj, v_proj, o_proj}
 * (with the biases the configuration asks for), rotary positions on queries and keys, and
 * grouped-query attention: {@code num_key_value_heads} key/value heads, each shared by
 * {@code num_attention_heads / num_key_value_heads} query heads. Scores are scaled by
 * {@code 1/sqrt(head_dim)}. The cache keeps keys after rotation and before the heads are repeated.
 */
public final class LlamaAttention extends Module {
    private final LlamaConfig config;

    LlamaAttention(NDManager manager, LlamaConfig config, DataType dataType) {
        this.config = config;
        int d = config.hiddenSize();
        int queries = config.numHeads() * config.headDim();
        int keys = config.numKeyValueHeads() * config.headDim();
        addChild("q_proj", new Linear(manager, d, queries, config.qkvBias(), dataType));
        addChild("k_proj", new Linear(manager, d, keys, config.qkvBias(), dataType));
        addChild("v_proj", new Linear(manager, d, keys, config.qkvBias(), dataType));
        addChild("o_proj", new Linear(manager, queries, d, config.outputBias(), dataType));
    }

    /**
     * Attends from every position to the positions its mask allows.
     *
     * @param hidden normalised states {@code [B, L, hidden]}
     * @param angles the rotation of the block's positions
     * @param bias additive mask broadcastable to {@code [B, H, L, past + L]}
     * @param ctx the forward context
     * @param cache earlier keys and values (appended to), or null for a full pass
     * @param layer this layer's index in the cache
     * @return {@code [B, L, hidden]}
     */
    NDArray forward(NDArray hidden, RotaryEmbedding.Angles angles, NDArray bias, ForwardContext ctx, KvCache cache,
            int layer) {
        NDArray q = angles.rotate(Attention.splitHeads(proj("q_proj").forward(hidden, ctx), config.numHeads()));
        NDArray k = angles.rotate(
                Attention.splitHeads(proj("k_proj").forward(hidden, ctx), config.numKeyValueHeads()));
        NDArray v = Attention.splitHeads(proj("v_proj").forward(hidden, ctx), config.numKeyValueHeads());
        if (cache != null) {
            cache.append(layer, k, v);
            k = cache.keys(layer, hidden.getManager());
            v = cache.values(layer, hidden.getManager());
        }
        int groups = config.numHeads() / config.numKeyValueHeads();
        NDArray context = Attention.attend(q, Attention.repeatKvHeads(k, groups), Attention.repeatKvHeads(v, groups),
                (float) (1 / Math.sqrt(config.headDim())), bias, config.attentionDropout(), ctx);
        return proj("o_proj").forward(Attention.mergeHeads(context), ctx);
    }

    private Linear proj(String name) {
        return child(name, Linear.class);
    }
}
