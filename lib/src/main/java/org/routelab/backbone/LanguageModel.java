package org.routelab.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.routelab.backbone.AdapterTargets;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Losses;
import org.routelab.nn.Module;
import org.routelab.util.AtomicFiles;

/**
 * A frozen language model that adapters are injected into: what training, evaluation and routing
 * need from a backbone, whatever its architecture. Encoder-decoder models read the input with the
 * encoder and predict the target with the decoder; decoder-only models read input and target as one
 * sequence and predict the target as its continuation. Both return logits aligned with {@link
 * ModelBatch#labels()}, so every loss and score is written once.
 */
public abstract class LanguageModel extends Module {

    /**
     * Loads a Hugging Face model folder, choosing the architecture from {@code config.json}'s
     * {@code model_type}, and fits the engine's threads to the model's size ({@link ComputeThreads}).
     *
     * @param folder the model folder ({@code config.json}, safetensors weights)
     * @param manager owns the parameters
     * @param dataType the parameters' data type
     * @return the model
     * @throws ModelConfigException if {@code config.json} is missing, malformed or of an unknown type
     */
    public static LanguageModel load(Path folder, NDManager manager, DataType dataType) {
        return ComputeThreads.fit(Backbones.load(folder, manager, dataType));
    }

    /**
     * Builds the architecture a configuration describes, choosing it by {@code model_type}; the
     * weights are allocated but not filled (see {@link #initialize}), so a model built only to count
     * parameters costs almost no memory. Like {@link #load}, it fits the engine's threads to the
     * model's size ({@link ComputeThreads}).
     *
     * @param config the {@code config.json} fields, e.g. of a {@link #preset}
     * @param manager owns the parameters
     * @param dataType the parameters' data type
     * @return the model
     * @throws ModelConfigException if the configuration is invalid or of an unknown type, naming the field
     */
    public static LanguageModel create(ConfigJson config, NDManager manager, DataType dataType) {
        return ComputeThreads.fit(Backbones.create(config, manager, dataType));
    }

    /** Returns the names of the built-in presets of every architecture ({@code t5-small}, {@code qwen2-0.5b}, ...). */
    public static List<String> presets() {
        return Backbones.presets();
    }

    /**
     * Returns a built-in preset's {@code config.json} fields.
     *
     * @param name one of {@link #presets()}
     * @return the configuration
     * @throws ModelConfigException naming the known presets if there is no such preset
     */
    public static ConfigJson preset(String name) {
        return Backbones.preset(name);
    }

    /**
     * Pads token sequences into this model's batch layout.
     *
     * @param manager where the arrays are created (results of a pass over them land there too)
     * @param inputs input token ids per example (non-empty)
     * @param targets target token ids per example (non-empty), ending with the end-of-sequence token
     * @return the batch
     */
    public abstract ModelBatch batch(NDManager manager, List<long[]> inputs, List<long[]> targets);

    /**
     * Runs a teacher-forced pass.
     *
     * @param batch a batch made by {@link #batch}
     * @param ctx the forward context
     * @return logits {@code [B, T, vocab]} aligned with the batch's labels
     */
    public abstract NDArray logits(ModelBatch batch, ForwardContext ctx);

    /**
     * Returns the mean token cross-entropy of the targets.
     *
     * @param batch a batch made by {@link #batch}
     * @param ctx the forward context
     * @return scalar float32 loss
     */
    public NDArray loss(ModelBatch batch, ForwardContext ctx) {
        return Losses.crossEntropy(logits(batch, ctx), batch.labels());
    }

    /**
     * Returns one vector per example: the final hidden states over its input tokens, mean-pooled. It
     * is the default sentence embedding of input-aware routers (T-REX's intuition).
     *
     * @param batch a batch made by {@link #batch}
     * @param ctx the forward context
     * @return {@code [B, hiddenSize]} float32
     */
    public abstract NDArray inputEmbedding(ModelBatch batch, ForwardContext ctx);

    /**
     * Greedy decoding with a key/value cache; a sequence stops at the end-of-sequence token, which
     * is left out of the result.
     *
     * @param manager the parent of the decoding's scope
     * @param inputs input token ids per example
     * @param maxNewTokens the most tokens generated per example
     * @return the generated ids per example
     */
    public abstract List<long[]> generate(NDManager manager, List<long[]> inputs, int maxNewTokens);

    /**
     * Saves the model in the layout {@link #load} reads: {@code config.json}, the weights in their
     * current type, and a copy of the tokenizer file when one is given. Each file is written
     * atomically, the configuration last, so that a folder with a {@code config.json} is complete.
     *
     * @param folder the target folder, created if absent
     * @param tokenizerJson the {@code tokenizer.json} to copy alongside, or null
     * @throws IOException if a file cannot be written
     */
    public void save(Path folder, Path tokenizerJson) throws IOException {
        Files.createDirectories(folder);
        HfCheckpoint.save(folder, this);
        if (tokenizerJson != null) {
            AtomicFiles.writeStream(folder.resolve("tokenizer.json"), out -> Files.copy(tokenizerJson, out));
        }
        AtomicFiles.writeString(folder.resolve("config.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(configJson()));
    }

    /** Returns the architecture as {@code config.json} content, {@code model_type} included. */
    public abstract JsonObject configJson();

    /**
     * Draws random weights as Hugging Face initialises a fresh model of this architecture, from a
     * seeded generator.
     *
     * @param seed the random seed
     */
    public abstract void initialize(int seed);

    /**
     * Returns the projections adapters go into when a method does not say otherwise: every attention
     * and feed-forward projection, under this architecture's names (the papers' setting).
     *
     * @return the module and projection regexes
     */
    public abstract AdapterTargets defaultAdapterTargets();

    /** Returns the end-of-sequence token id: targets end with it and generation stops at it. */
    public abstract long eosTokenId();

    /** Returns the width of the hidden states. */
    public abstract int hiddenSize();

    /** Returns the vocabulary size (the logits' last dimension). */
    public abstract int vocabSize();

    /** Returns the parameters' data type. */
    public abstract DataType dataType();

    /**
     * Casts a batch made by another model to this model's layout.
     *
     * @param batch the batch
     * @param type the layout this model makes
     * @param <B> the layout
     * @return the batch
     * @throws IllegalArgumentException naming both layouts when they differ
     */
    protected final <B extends ModelBatch> B expect(ModelBatch batch, Class<B> type) {
        if (!type.isInstance(batch)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs a " + type.getSimpleName()
                    + " (made by its batch(...) method), got a " + batch.getClass().getSimpleName());
        }
        return type.cast(batch);
    }
}
