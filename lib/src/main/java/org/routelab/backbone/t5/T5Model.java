package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.backbone.AdapterTargets;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.OutputHead;
import org.routelab.backbone.ModelBatch;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.nn.Embedding;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Linear;
import org.routelab.nn.Parameter;
import org.routelab.nn.Pooling;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;

/**
 * A T5 encoder-decoder language model ({@code T5ForConditionalGeneration}) with Hugging Face
 * parameter names. Intermediate arrays of a forward pass live in the manager of its input ids, so a
 * caller that creates each batch in a sub-manager frees the whole pass by closing it.
 */
public final class T5Model extends LanguageModel {
    /** Checkpoint tensors that duplicate {@code shared.weight} (and the head, when tied). */
    private static final Set<String> EMBEDDING_ALIASES =
            Set.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight");

    private final T5Config config;
    private final DataType dataType;

    /**
     * Creates a model whose weights are allocated but not filled; fill them from a checkpoint ({@link
     * #load}) or with {@link #initialize}.
     *
     * @param manager owns the parameters
     * @param config the architecture
     * @param dataType the parameters' data type
     */
    public T5Model(NDManager manager, T5Config config, DataType dataType) {
        this(manager, config, dataType, !config.tieWordEmbeddings());
    }

    /**
     * Creates a model whose weights are allocated but not filled, with or without a head of its own.
     *
     * @param manager owns the parameters
     * @param config the architecture
     * @param dataType the parameters' data type
     * @param ownHead whether the model has an {@code lm_head} (else the shared embedding is the head)
     */
    public T5Model(NDManager manager, T5Config config, DataType dataType, boolean ownHead) {
        if (dataType == DataType.BFLOAT16) {
            // DJL 0.35's PyTorch binding has no bfloat16 type code: creating such an array aborts the JVM.
            throw new IllegalArgumentException("bfloat16 parameters are not supported by DJL's PyTorch engine;"
                    + " use FLOAT32 or FLOAT16 (bf16 checkpoints load into either)");
        }
        this.config = config;
        this.dataType = dataType;
        Embedding shared = addChild("shared", new Embedding(manager, config.vocabSize(), config.dModel(), dataType));
        addChild("encoder", new T5Stack(manager, config, false, shared, dataType));
        addChild("decoder", new T5Stack(manager, config, true, shared, dataType));
        if (ownHead) {
            addChild("lm_head", new Linear(manager, config.dModel(), config.vocabSize(), dataType));
        }
    }

    /**
     * Loads a Hugging Face model folder: {@code config.json} and {@code model.safetensors} or a
     * sharded {@code model.safetensors.index.json}; fp32, fp16 and bf16 files convert to
     * {@code dataType}. The head and the decoder-output scale follow {@link T5Config}'s reading of the
     * transformers 4 or 5 layout; a stored {@code lm_head.weight} is resolved by {@link OutputHead}.
     *
     * @param folder the model folder
     * @param manager owns the parameters
     * @param dataType the parameters' data type
     * @return the model
     * @throws ModelConfigException if {@code config.json} is missing or not a T5 configuration
     * @throws CheckpointException if the weights are missing, malformed or do not fit, naming file and tensor
     */
    public static T5Model load(Path folder, NDManager manager, DataType dataType) {
        T5Config config = T5Config.read(folder.resolve("config.json"));
        boolean ownHead = OutputHead.ownHead(config.tieWordEmbeddings(), folder);
        T5Model model = new T5Model(manager, config, dataType, ownHead);
        HfCheckpoint.load(folder, model, EMBEDDING_ALIASES);
        if (ownHead && config.tieWordEmbeddings() && !config.headFromCheckpoint()) {
            OutputHead.requireTiedCopy(folder, model.child("lm_head", Linear.class).weight().array(),
                    model.child("shared", Embedding.class).weight().array(), "shared.weight");
        }
        return model;
    }

    @Override
    public JsonObject configJson() {
        return config.toJson();
    }

    /** Returns the architecture. */
    public T5Config config() {
        return config;
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    /**
     * Draws random weights the way Hugging Face initialises a fresh T5 (normal with per-projection
     * standard deviations, unit norms), from a seeded generator.
     *
     * @param seed the random seed
     */
    @Override
    public void initialize(int seed) {
        RandomStream random = RandomStream.of(seed);
        float f = config.initializerFactor();
        double d = config.dModel();
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            NDManager m = p.array().getManager();
            if (name.endsWith("layer_norm.weight")) {
                p.set(m.ones(p.shape(), dataType));
                continue;
            }
            double std;
            if (name.equals("shared.weight") || name.equals("lm_head.weight")) {
                std = 1.0;
            } else if (name.endsWith(".q.weight")) {
                std = Math.pow(d * config.dKv(), -0.5);
            } else if (name.endsWith(".k.weight") || name.endsWith(".v.weight")
                    || name.endsWith("relative_attention_bias.weight") || name.matches(".*\\.wi(_[01])?\\.weight")) {
                std = Math.pow(d, -0.5);
            } else if (name.endsWith(".o.weight")) {
                std = Math.pow((double) config.numHeads() * config.dKv(), -0.5);
            } else if (name.endsWith(".wo.weight")) {
                std = Math.pow(config.dFf(), -0.5);
            } else {
                throw new IllegalStateException("no initialisation rule for " + name);
            }
            p.set(random.normal(m, 0f, (float) (f * std), p.shape(), dataType));
        }
    }

    /**
     * Encodes a padded batch.
     *
     * @param inputIds {@code [B, S]} int64
     * @param attentionMask {@code [B, S]}, 1 for real tokens
     * @param ctx the forward context
     * @return encoder states {@code [B, S, d_model]}
     */
    public NDArray encode(NDArray inputIds, NDArray attentionMask, ForwardContext ctx) {
        return child("encoder", T5Stack.class).forward(inputIds, attentionMask, null, null, ctx, null);
    }

    /**
     * Decodes given the encoder output and returns vocabulary logits.
     *
     * @param decoderInputIds {@code [B, T]} int64 (only the new positions when a cache is given)
     * @param encoderStates {@code [B, S, d_model]}
     * @param attentionMask encoder padding mask {@code [B, S]}
     * @param ctx the forward context
     * @param cache incremental decoding state, or null for a full teacher-forced pass
     * @return logits {@code [B, T, vocab]}
     */
    public NDArray decode(
            NDArray decoderInputIds, NDArray encoderStates, NDArray attentionMask, ForwardContext ctx,
            T5DecodingCache cache) {
        NDArray h = child("decoder", T5Stack.class).forward(
                decoderInputIds, null, encoderStates, attentionMask, ctx, cache);
        if (config.scaleDecoderOutputs()) {
            // T5 v1.0 rescales before its (tied) output projection; v1.1 does not.
            h = Scalars.mul(h, (float) Math.pow(config.dModel(), -0.5));
        }
        if (!children().containsKey("lm_head")) {
            return ai.djl.nn.core.Linear.linear(h, child("shared", Embedding.class).weight().array())
                    .singletonOrThrow();
        }
        return child("lm_head", Linear.class).forward(h, ctx);
    }

    @Override
    public Seq2SeqBatch batch(NDManager manager, List<long[]> inputs, List<long[]> targets) {
        return Seq2SeqBatch.of(manager, inputs, targets, config.padTokenId(), config.decoderStartTokenId());
    }

    @Override
    public NDArray logits(ModelBatch batch, ForwardContext ctx) {
        Seq2SeqBatch b = expect(batch, Seq2SeqBatch.class);
        NDArray enc = encode(b.inputIds(), b.attentionMask(), ctx);
        return decode(b.decoderInputIds(), enc, b.attentionMask(), ctx, null);
    }

    /** Returns the encoder's final states over the input tokens, mean-pooled. */
    @Override
    public NDArray inputEmbedding(ModelBatch batch, ForwardContext ctx) {
        Seq2SeqBatch b = expect(batch, Seq2SeqBatch.class);
        return Pooling.maskedMean(encode(b.inputIds(), b.attentionMask(), ctx), b.attentionMask());
    }

    @Override
    public List<long[]> generate(NDManager manager, List<long[]> inputs, int maxNewTokens) {
        try (NDManager scope = manager.newSubManager()) {
            // Decoding only reads the encoder side; the inputs stand in for the unused targets.
            Seq2SeqBatch b = batch(scope, inputs, inputs);
            return generate(b.inputIds(), b.attentionMask(), maxNewTokens);
        }
    }

    @Override
    public int hiddenSize() {
        return config.dModel();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public long eosTokenId() {
        return config.eosTokenId();
    }

    /** Returns every attention and feed-forward projection ({@link AdapterTargets#T5}). */
    @Override
    public AdapterTargets defaultAdapterTargets() {
        return AdapterTargets.T5;
    }

    /**
     * Greedy decoding with a key/value cache. Sequences stop at the end-of-sequence token, which is
     * not included in the result.
     *
     * @param inputIds {@code [B, S]} int64
     * @param attentionMask {@code [B, S]}
     * @param maxNewTokens the most tokens generated per sequence
     * @return the generated ids per example
     */
    public List<long[]> generate(NDArray inputIds, NDArray attentionMask, int maxNewTokens) {
        int b = (int) inputIds.getShape().get(0);
        List<List<Long>> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[b];
        long[] next = new long[b];
        Arrays.fill(next, config.decoderStartTokenId());
        try (NDManager scope = inputIds.getManager().newSubManager();
                T5DecodingCache cache = new T5DecodingCache(scope, config.numDecoderLayers())) {
            NDArray ids = inputIds.duplicate();
            ids.attach(scope);
            NDArray mask = attentionMask.duplicate();
            mask.attach(scope);
            NDArray enc = encode(ids, mask, ForwardContext.eval());
            int remaining = b;
            for (int step = 0; step < maxNewTokens && remaining > 0; step++) {
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray tokens = stepScope.create(next, new Shape(b, 1));
                    NDArray logits = decode(tokens, enc, mask, ForwardContext.eval(), cache);
                    long[] argmax = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
                    for (int i = 0; i < b; i++) {
                        if (done[i]) {
                            next[i] = config.padTokenId();
                        } else if (argmax[i] == config.eosTokenId()) {
                            done[i] = true;
                            remaining--;
                            next[i] = config.padTokenId();
                        } else {
                            out.get(i).add(argmax[i]);
                            next[i] = argmax[i];
                        }
                    }
                }
            }
        }
        List<long[]> result = new ArrayList<>();
        for (List<Long> seq : out) {
            result.add(seq.stream().mapToLong(Long::longValue).toArray());
        }
        return result;
    }
}
