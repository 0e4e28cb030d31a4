package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import org.routelab.nn.Embedding;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Masks;
import org.routelab.nn.Module;
import org.routelab.nn.ModuleList;
import org.routelab.nn.RmsNorm;
import org.routelab.nn.SequenceMask;

/**
 * The T5 encoder or decoder: token embedding (shared with the model, not owned here), blocks and a
 * final RMS norm. The relative-position bias is computed once by the first block's self-attention
 * and reused by every block, together with the padding (encoder) or causal (decoder) mask.
 */
public final class T5Stack extends Module {
    private final T5Config config;
    private final boolean decoder;
    private final Embedding embedTokens;

    T5Stack(NDManager manager, T5Config config, boolean decoder, Embedding embedTokens, DataType dataType) {
        this.config = config;
        this.decoder = decoder;
        this.embedTokens = embedTokens;
        int n = decoder ? config.numDecoderLayers() : config.numLayers();
        List<T5Block> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            blocks.add(new T5Block(manager, config, decoder, i == 0, dataType));
        }
        addChild("block", new ModuleList<>(T5Block.class, blocks));
        addChild("final_layer_norm", new RmsNorm(manager, config.dModel(), config.layerNormEpsilon(), dataType));
    }

    @SuppressWarnings("unchecked")
    private ModuleList<T5Block> blocks() {
        return child("block", ModuleList.class);
    }

    /**
     * Runs the stack.
     *
     * @param ids token ids {@code [B, L]}
     * @param mask encoder: padding mask {@code [B, L]} (1 = real token); decoder: null (causal only)
     * @param memory decoder: encoder output {@code [B, S, d_model]}; encoder: null
     * @param memoryMask decoder: encoder padding mask {@code [B, S]}; encoder: null
     * @param ctx the forward context
     * @param cache decoder incremental state, or null for a full pass
     * @return final hidden states {@code [B, L, d_model]}
     */
    NDArray forward(
            NDArray ids, NDArray mask, NDArray memory, NDArray memoryMask, ForwardContext ctx, T5DecodingCache cache) {
        NDManager m = ids.getManager();
        int length = (int) ids.getShape().get(1);
        ModuleList<T5Block> blocks = blocks();
        int offset = cache == null ? 0 : cache.length();
        NDArray selfBias = blocks.get(0).selfAttention().positionBias(m, offset, length, offset + length, !decoder);
        NDArray crossBias = null;
        if (decoder) {
            selfBias = selfBias.add(Masks.causal(m, length, offset + length));
            crossBias = Masks.padding(memoryMask);
        } else if (mask != null) {
            selfBias = selfBias.add(Masks.padding(mask));
        }
        // Adapters that read their input (input routers) see the masks this stack attends with.
        ForwardContext stackCtx = decoder
                ? ctx.withSequence(SequenceMask.causal(offset), SequenceMask.bidirectional(memoryMask))
                : ctx.withSequence(SequenceMask.bidirectional(mask), null);
        NDArray h = dropout(embedTokens.forward(ids), config, ctx);
        for (int i = 0; i < blocks.size(); i++) {
            h = blocks.get(i).forward(h, selfBias, memory, crossBias, stackCtx, cache, i);
        }
        h = child("final_layer_norm", RmsNorm.class).forward(h);
        return dropout(h, config, ctx);
    }

    /** Applies the model's dropout rate when training. */
    static NDArray dropout(NDArray x, T5Config config, ForwardContext ctx) {
        if (!ctx.training() || config.dropoutRate() == 0f) {
            return x;
        }
        return ctx.random().dropout(x, config.dropoutRate());
    }
}
