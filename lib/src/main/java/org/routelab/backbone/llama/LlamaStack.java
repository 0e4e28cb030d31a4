package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.routelab.nn.Embedding;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.KvCache;
import org.routelab.nn.Masks;
import org.routelab.nn.Module;
import org.routelab.nn.ModuleList;
import org.routelab.nn.RmsNorm;
import org.routelab.nn.SequenceMask;

/**
 * The decoder of a Llama-family model, Hugging Face's inner {@code model}: token embedding
 * {@code embed_tokens}, decoder {@code layers} and the final {@code norm}. Rotary angles are computed
 * once per pass and the causal mask once per distinct sliding window, then shared by every layer.
 */
public final class LlamaStack extends Module {
    private final LlamaConfig config;
    private final RotaryEmbedding rotary;
    private final DataType dataType;

    LlamaStack(NDManager manager, LlamaConfig config, DataType dataType) {
        this.config = config;
        this.rotary = new RotaryEmbedding(config);
        this.dataType = dataType;
        addChild("embed_tokens", new Embedding(manager, config.vocabSize(), config.hiddenSize(), dataType));
        List<LlamaDecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(new LlamaDecoderLayer(manager, config, dataType));
        }
        addChild("layers", new ModuleList<>(LlamaDecoderLayer.class, layers));
        addChild("norm", new RmsNorm(manager, config.hiddenSize(), config.rmsNormEps(), dataType));
    }

    /** Returns the token embedding (also the output head when embeddings are tied). */
    Embedding embedTokens() {
        return child("embed_tokens", Embedding.class);
    }

    /**
     * Runs the decoder over a block of new positions.
     *
     * @param ids token ids {@code [B, L]}; intermediate arrays land in their manager
     * @param keyMask {@code [B, past + L]}, 1 for real tokens and 0 for padding (any numeric type)
     * @param offsets the position of each row's first new token (one entry when all rows agree)
     * @param ctx the forward context
     * @param cache earlier keys and values, extended by this block, or null for a full pass
     * @return final hidden states {@code [B, L, hidden]}, normalised
     * @throws IllegalArgumentException if a position reaches {@code max_position_embeddings}
     */
    @SuppressWarnings("unchecked")
    NDArray forward(NDArray ids, NDArray keyMask, int[] offsets, ForwardContext ctx, KvCache cache) {
        NDManager m = ids.getManager();
        int length = (int) ids.getShape().get(1);
        int last = Arrays.stream(offsets).max().orElse(0) + length;
        if (last > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("a sequence reaches " + last + " positions, beyond the model's"
                    + " max_position_embeddings (" + config.maxPositionEmbeddings() + ")");
        }
        int keys = (cache == null ? 0 : cache.length()) + length;
        NDArray padding = Masks.padding(keyMask);
        Map<Integer, NDArray> masks = new HashMap<>();
        RotaryEmbedding.Angles angles = rotary.angles(m, offsets, length, dataType);
        ModuleList<LlamaDecoderLayer> layers = child("layers", ModuleList.class);
        // Adapters that read their input (input routers) see the positions the stack attends with.
        ForwardContext stackCtx = ctx.withSequence(keys == length
                ? new SequenceMask(keyMask, true, 0) : SequenceMask.causal(keys - length), null);
        NDArray h = embedTokens().forward(ids);
        for (int i = 0; i < layers.size(); i++) {
            NDArray bias = masks.computeIfAbsent(config.slidingWindow(i),
                    window -> Masks.causal(m, length, keys, window).add(padding));
            h = layers.get(i).forward(h, angles, bias, stackCtx, cache, i);
        }
        return child("norm", RmsNorm.class).forward(h);
    }
}
