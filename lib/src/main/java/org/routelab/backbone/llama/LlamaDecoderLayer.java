package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.KvCache;
import org.routelab.nn.Module;
import org.routelab.nn.RmsNorm;

/**
 * One pre-norm decoder layer: {@code h = x + self_attn(input_layernorm(x))}, then
 * {@code h + mlp(post_attention_layernorm(h))}.
 */
public final class LlamaDecoderLayer extends Module {
    LlamaDecoderLayer(NDManager manager, LlamaConfig config, DataType dataType) {
        addChild("self_attn", new LlamaAttention(manager, config, dataType));
        addChild("mlp", new LlamaMlp(manager, config, dataType));
        addChild("input_layernorm", new RmsNorm(manager, config.hiddenSize(), config.rmsNormEps(), dataType));
        addChild("post_attention_layernorm",
                new RmsNorm(manager, config.hiddenSize(), config.rmsNormEps(), dataType));
    }

    NDArray forward(NDArray x, RotaryEmbedding.Angles angles, NDArray bias, ForwardContext ctx, KvCache cache,
            int index) {
        NDArray normed = child("input_layernorm", RmsNorm.class).forward(x);
        NDArray h = x.add(child("self_attn", LlamaAttention.class).forward(normed, angles, bias, ctx, cache, index));
        NDArray ff = child("mlp", LlamaMlp.class).forward(child("post_attention_layernorm", RmsNorm.class).forward(h), ctx);
        return h.add(ff);
    }
}
