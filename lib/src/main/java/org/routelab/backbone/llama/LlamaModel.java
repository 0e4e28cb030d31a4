package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.backbone.AdapterTargets;
import org.routelab.backbone.CausalBatch;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.OutputHead;
import org.routelab.backbone.ModelBatch;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.KvCache;
import org.routelab.nn.Linear;
import org.routelab.nn.Parameter;
import org.routelab.nn.Pooling;
import org.routelab.nn.RandomStream;

/**
 * A decoder-only Llama-family language model ({@code LlamaForCausalLM}, {@code MistralForCausalLM},
 * {@code Qwen2ForCausalLM}) with Hugging Face parameter names: {@code model.embed_tokens},
 * {@code model.layers.N.self_attn.{q,k,v,o}_proj}, {@code model.layers.N.mlp.{gate,up,down}_proj},
 * {@code model.layers.N.input_layernorm}, {@code model.layers.N.post_attention_layernorm},
 * {@code model.norm} and {@code lm_head} (absent when tied to the embedding).
 *
 * <p>Input and target are read as one sequence ({@link CausalBatch} documents the boundary), and
 * the logits come back aligned with the target labels, so losses, rank classification and routing
 * work as with T5. Intermediate arrays of a pass live in the manager of the batch's input ids.
 */
public final class LlamaModel extends LanguageModel {
    private final LlamaConfig config;
    private final DataType dataType;

    /**
     * Creates a model whose weights are allocated but not filled; fill them from a checkpoint ({@link
     * #load}) or with {@link #initialize}.
     *
     * @param manager owns the parameters
     * @param config the architecture
     * @param dataType the parameters' data type
     */
    public LlamaModel(NDManager manager, LlamaConfig config, DataType dataType) {
        this(manager, config, dataType, !config.tieWordEmbeddings());
    }

    /**
     * Creates a model whose weights are allocated but not filled, with or without a head of its own.
     *
     * @param manager owns the parameters
     * @param config the architecture
     * @param dataType the parameters' data type
     * @param ownHead whether the model has an {@code lm_head} (else the input embedding is the head)
     */
    public LlamaModel(NDManager manager, LlamaConfig config, DataType dataType, boolean ownHead) {
        if (dataType == DataType.BFLOAT16) {
            // DJL 0.35's PyTorch binding has no bfloat16 type code: creating such an array aborts the JVM.
            throw new IllegalArgumentException("bfloat16 parameters are not supported by DJL's PyTorch engine;"
                    + " use FLOAT32 or FLOAT16 (bf16 checkpoints load into either)");
        }
        this.config = config;
        this.dataType = dataType;
        addChild("model", new LlamaStack(manager, config, dataType));
        if (ownHead) {
            addChild("lm_head", new Linear(manager, config.hiddenSize(), config.vocabSize(), dataType));
        }
    }

    /**
     * Loads a Hugging Face model folder: {@code config.json} and {@code model.safetensors} or a
     * sharded {@code model.safetensors.index.json}; fp32, fp16 and bf16 files convert to
     * {@code dataType}. The rotary {@code inv_freq} buffers older checkpoints store are skipped (they
     * are recomputed); a tied model's stored {@code lm_head.weight} must equal the embedding ({@link
     * OutputHead}).
     *
     * @param folder the model folder
     * @param manager owns the parameters
     * @param dataType the parameters' data type
     * @return the model
     * @throws ModelConfigException if {@code config.json} is missing or not a Llama-family configuration
     * @throws CheckpointException if the weights are missing, malformed or do not fit, naming file and tensor
     */
    public static LlamaModel load(Path folder, NDManager manager, DataType dataType) {
        LlamaConfig config = LlamaConfig.read(folder.resolve("config.json"));
        boolean ownHead = OutputHead.ownHead(config.tieWordEmbeddings(), folder);
        LlamaModel model = new LlamaModel(manager, config, dataType, ownHead);
        Set<String> skipped = new HashSet<>();
        for (int i = 0; i < config.numLayers(); i++) {
            skipped.add("model.layers." + i + ".self_attn.rotary_emb.inv_freq");
        }
        HfCheckpoint.load(folder, model, skipped);
        if (ownHead && config.tieWordEmbeddings()) {
            OutputHead.requireTiedCopy(folder, model.child("lm_head", Linear.class).weight().array(),
                    model.stack().embedTokens().weight().array(), "model.embed_tokens.weight");
        }
        return model;
    }

    @Override
    public JsonObject configJson() {
        return config.toJson();
    }

    /** Returns the architecture. */
    public LlamaConfig config() {
        return config;
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    /**
     * Draws random weights as Hugging Face initialises a fresh Llama: projections and embeddings
     * normal with standard deviation {@code initializer_range}, biases zero, norms one; from a seeded
     * generator.
     *
     * @param seed the random seed
     */
    @Override
    public void initialize(int seed) {
        RandomStream random = RandomStream.of(seed);
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            NDManager m = p.array().getManager();
            if (name.endsWith("norm.weight")) {
                p.set(m.ones(p.shape(), dataType));
            } else if (name.endsWith(".bias")) {
                p.set(m.zeros(p.shape(), dataType));
            } else {
                p.set(random.normal(m, 0f, config.initializerRange(), p.shape(), dataType));
            }
        }
    }

    /**
     * Runs the decoder and returns the final hidden states; every row starts at position 0, so
     * padding goes on the right (as in {@link CausalBatch}).
     *
     * @param inputIds {@code [B, L]} int64
     * @param attentionMask {@code [B, L]}, 1 for real tokens
     * @param ctx the forward context
     * @return {@code [B, L, hidden]}
     */
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, ForwardContext ctx) {
        return stack().forward(inputIds, attentionMask, new int[] {0}, ctx, null);
    }

    private NDArray head(NDArray hidden, ForwardContext ctx) {
        if (!children().containsKey("lm_head")) {
            return ai.djl.nn.core.Linear.linear(hidden, stack().embedTokens().weight().array()).singletonOrThrow();
        }
        return child("lm_head", Linear.class).forward(hidden, ctx);
    }

    private LlamaStack stack() {
        return child("model", LlamaStack.class);
    }

    /** Concatenates input and target per example; see {@link CausalBatch} for the layout. */
    @Override
    public CausalBatch batch(NDManager manager, List<long[]> inputs, List<long[]> targets) {
        return CausalBatch.of(manager, inputs, targets, config.padTokenId(), config.bosTokenId(), config.eosTokenId());
    }

    @Override
    public NDArray logits(ModelBatch batch, ForwardContext ctx) {
        CausalBatch b = expect(batch, CausalBatch.class);
        return head(hiddenStates(b.inputIds(), b.attentionMask(), ctx), ctx);
    }

    /** Returns the final hidden states over the input tokens only, mean-pooled. */
    @Override
    public NDArray inputEmbedding(ModelBatch batch, ForwardContext ctx) {
        CausalBatch b = expect(batch, CausalBatch.class);
        return Pooling.maskedMean(hiddenStates(b.inputIds(), b.attentionMask(), ctx), b.inputMask());
    }

    /**
     * Greedy decoding with a key/value cache. Prompts are padded on the left, so that every row's
     * next token is at the same step; each row's positions start at 0 at its first real token, so
     * a prompt decodes the same alone or in a batch. A row stops at any of the configuration's
     * end-of-sequence tokens, which is left out of the result.
     */
    @Override
    public List<long[]> generate(NDManager manager, List<long[]> inputs, int maxNewTokens) {
        int b = inputs.size();
        if (b == 0 || inputs.stream().anyMatch(in -> in.length == 0)) {
            throw new IllegalArgumentException("generation needs at least one prompt, and no empty prompt");
        }
        int width = inputs.stream().mapToInt(in -> in.length).max().getAsInt();
        long[] next = new long[b * width];
        int[] pads = new int[b];
        for (int i = 0; i < b; i++) {
            long[] in = inputs.get(i);
            pads[i] = width - in.length;
            Arrays.fill(next, i * width, i * width + pads[i], config.padTokenId());
            System.arraycopy(in, 0, next, i * width + pads[i], in.length);
        }
        Set<Long> stops = new HashSet<>();
        for (int eos : config.eosTokenIds()) {
            stops.add((long) eos);
        }
        List<List<Long>> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[b];
        int remaining = b;
        try (NDManager scope = manager.newSubManager()) {
            KvCache cache = new KvCache(scope, config.numLayers());
            for (int step = 0; step < maxNewTokens && remaining > 0; step++) {
                try (NDManager stepScope = scope.newSubManager()) {
                    int length = next.length / b;
                    int keys = cache.length() + length;
                    int[] offsets = new int[b];
                    // The prompt's padding stays masked; every generated position is real.
                    long[] keyMask = new long[b * keys];
                    for (int i = 0; i < b; i++) {
                        offsets[i] = cache.length() - pads[i];
                        Arrays.fill(keyMask, i * keys + pads[i], (i + 1) * keys, 1);
                    }
                    NDArray hidden = stack().forward(stepScope.create(next, new Shape(b, length)),
                            stepScope.create(keyMask, new Shape(b, keys)), offsets, ForwardContext.eval(), cache);
                    NDArray logits = head(hidden.get(new NDIndex(":, -1:")), ForwardContext.eval());
                    long[] argmax = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
                    for (int i = 0; i < b; i++) {
                        if (!done[i] && stops.contains(argmax[i])) {
                            done[i] = true;
                            remaining--;
                        } else if (!done[i]) {
                            out.get(i).add(argmax[i]);
                        }
                    }
                    next = argmax;
                }
            }
        }
        List<long[]> result = new ArrayList<>();
        for (List<Long> seq : out) {
            result.add(seq.stream().mapToLong(Long::longValue).toArray());
        }
        return result;
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public long eosTokenId() {
        return config.eosTokenId();
    }

    /** Returns every attention and feed-forward projection of the decoder layers ({@link AdapterTargets#LLAMA}). */
    @Override
    public AdapterTargets defaultAdapterTargets() {
        return AdapterTargets.LLAMA;
    }
}
