package org.routelab.backbone.t5;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.ModelConfigException;
import org.routelab.nn.ActivationFunction;

/**
 * The architecture of a T5 model, read from a Hugging Face {@code config.json} with the same field
 * names and defaults. Covers T5 v1.0 ({@code feed_forward_proj = relu}, tied embeddings) and v1.1 /
 * LM-adapt / Flan-T5 / T0 ({@code gated-gelu}, untied head), in the layouts of transformers 4 and 5:
 *
 * <ul>
 *   <li>transformers 4 reads {@code tie_word_embeddings} (default true) for two things at once: the
 *       head is the shared embedding, and the decoder output is rescaled by {@code d_model^-0.5};
 *   <li>transformers 5 always writes {@code tie_word_embeddings: true} and says whether to rescale in
 *       {@code scale_decoder_outputs}; the head is the checkpoint's own {@code lm_head.weight} when the
 *       file has one (a v1.1 checkpoint), else the shared embedding. {@link #headFromCheckpoint()}
 *       tells the loader which rule applies.
 * </ul>
 *
 * {@code dense_act_fn} and {@code is_gated_act}, when a file has them, override what {@code
 * feed_forward_proj} implies, as in transformers (they are set after it). Fields that would change the
 * computation in ways not implemented here (quantisation, pruned heads, encoder-decoder weight tying)
 * are refused.
 */
public final class T5Config {
    /**
     * Built-in presets: the {@code config.json} of published checkpoints, so parameter accounting and
     * benchmarks run on real shapes without downloading weights ({@code t0-3b} shares
     * {@code t5-xl-lm-adapt}'s architecture), plus {@code t5-tiny}, the project's own v1.1-style
     * shape for CPU benchmarks.
     */
    public static final List<String> PRESETS = List.of(
            "t5-tiny", "t5-small", "t5-base", "t5-v1_1-small", "t5-xl-lm-adapt", "t0-3b", "flan-t5-base");

    private final JsonObject json;
    private final int vocabSize;
    private final int dModel;
    private final int dKv;
    private final int dFf;
    private final int numLayers;
    private final int numDecoderLayers;
    private final int numHeads;
    private final int numBuckets;
    private final int maxDistance;
    private final float dropoutRate;
    private final float layerNormEpsilon;
    private final boolean gated;
    private final ActivationFunction activation;
    private final boolean tieWordEmbeddings;
    private final boolean scaleDecoderOutputs;
    private final boolean headFromCheckpoint;
    private final int padTokenId;
    private final int eosTokenId;
    private final int decoderStartTokenId;
    private final float initializerFactor;

    private T5Config(ConfigJson c) {
        String type = c.stringOr("model_type", "t5");
        if (!"t5".equals(type)) {
            throw c.invalid("model_type", "is '" + type + "', expected 't5'");
        }
        json = c.json().deepCopy();
        vocabSize = c.positiveInt("vocab_size");
        dModel = c.positiveInt("d_model");
        dKv = c.positiveInt("d_kv");
        dFf = c.positiveInt("d_ff");
        numLayers = c.positiveInt("num_layers");
        numDecoderLayers = c.has("num_decoder_layers") ? c.positiveInt("num_decoder_layers") : numLayers;
        numHeads = c.positiveInt("num_heads");
        numBuckets = c.intOr("relative_attention_num_buckets", 32);
        maxDistance = c.intOr("relative_attention_max_distance", 128);
        if (numBuckets < 4 || maxDistance < numBuckets / 2) {
            throw c.invalid("relative_attention_num_buckets", "(" + numBuckets + ") and relative_attention_max_distance ("
                    + maxDistance + ") are inconsistent");
        }
        dropoutRate = (float) c.doubleOr("dropout_rate", 0.1);
        layerNormEpsilon = (float) c.doubleOr("layer_norm_epsilon", 1e-6);
        String proj = c.stringOr("feed_forward_proj", "relu");
        String[] parts = proj.toLowerCase(Locale.ROOT).split("-");
        boolean gatedProj = parts.length == 2 && "gated".equals(parts[0]);
        if (parts.length > 2 || (parts.length == 2 && !gatedProj)) {
            throw c.invalid("feed_forward_proj", "is '" + proj + "'; expected '<act>' or 'gated-<act>'");
        }
        gated = c.boolOr("is_gated_act", gatedProj);
        // Hugging Face maps gated-gelu to the tanh approximation (gelu_new), as the original T5 v1.1 did.
        String act = c.stringOr("dense_act_fn", "gated-gelu".equals(proj) ? "gelu_new" : parts[parts.length - 1]);
        try {
            activation = ActivationFunction.fromConfigName(act);
        } catch (IllegalArgumentException e) {
            throw c.invalid(c.has("dense_act_fn") ? "dense_act_fn" : "feed_forward_proj", "has " + e.getMessage());
        }
        tieWordEmbeddings = c.boolOr("tie_word_embeddings", true);
        headFromCheckpoint = c.has("scale_decoder_outputs");
        scaleDecoderOutputs = c.boolOr("scale_decoder_outputs", tieWordEmbeddings);
        c.refuseIfSet("quantization_config", null, "quantised weights");
        c.refuseIfSet("pruned_heads", null, "attention heads removed from some layers");
        c.refuseIfSet("tie_encoder_decoder", null, "encoder and decoder sharing their weights");
        padTokenId = c.intOr("pad_token_id", 0);
        eosTokenId = c.intOr("eos_token_id", 1);
        decoderStartTokenId = c.intOr("decoder_start_token_id", padTokenId);
        initializerFactor = (float) c.doubleOr("initializer_factor", 1.0);
    }

    /**
     * Parses a configuration.
     *
     * @param config the configuration fields
     * @return the T5 configuration
     * @throws ModelConfigException naming the source and field of any invalid value
     */
    public static T5Config fromJson(ConfigJson config) {
        return new T5Config(config);
    }

    /**
     * Reads a {@code config.json}.
     *
     * @param file the file
     * @return the configuration
     */
    public static T5Config read(Path file) {
        return new T5Config(ConfigJson.read(file));
    }

    /**
     * Returns a built-in preset (see {@link #PRESETS}).
     *
     * @param name the preset name
     * @return the configuration
     */
    public static T5Config preset(String name) {
        return new T5Config(ConfigJson.preset(T5Config.class, "T5", PRESETS, name));
    }

    /** Returns a builder starting from Hugging Face's defaults, for models made in code. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the configuration as {@code config.json} content (unknown input fields preserved). */
    public JsonObject toJson() {
        return json.deepCopy();
    }

    /** Returns the vocabulary size. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Returns the hidden size. */
    public int dModel() {
        return dModel;
    }

    /** Returns the per-head key/value size. */
    public int dKv() {
        return dKv;
    }

    /** Returns the feed-forward inner size. */
    public int dFf() {
        return dFf;
    }

    /** Returns the number of encoder blocks. */
    public int numLayers() {
        return numLayers;
    }

    /** Returns the number of decoder blocks. */
    public int numDecoderLayers() {
        return numDecoderLayers;
    }

    /** Returns the number of attention heads. */
    public int numHeads() {
        return numHeads;
    }

    /** Returns the number of relative-position buckets. */
    public int numBuckets() {
        return numBuckets;
    }

    /** Returns the distance beyond which relative positions share the last bucket. */
    public int maxDistance() {
        return maxDistance;
    }

    /** Returns the dropout rate used everywhere in the model. */
    public float dropoutRate() {
        return dropoutRate;
    }

    /** Returns the RMS norm epsilon. */
    public float layerNormEpsilon() {
        return layerNormEpsilon;
    }

    /** Returns whether the feed-forward is gated ({@code wi_0, wi_1}) rather than plain ({@code wi}). */
    public boolean gated() {
        return gated;
    }

    /** Returns the feed-forward activation. */
    public ActivationFunction activation() {
        return activation;
    }

    /**
     * Returns whether the configuration ties the output head to the shared embedding ({@code
     * tie_word_embeddings}, default true); under {@link #headFromCheckpoint()} a checkpoint's own head
     * still takes precedence.
     */
    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    /**
     * Returns whether the decoder output is multiplied by {@code d_model^-0.5} before the head:
     * {@code scale_decoder_outputs} when given (transformers 5), else {@code tie_word_embeddings}
     * (transformers 4).
     */
    public boolean scaleDecoderOutputs() {
        return scaleDecoderOutputs;
    }

    /**
     * Returns whether a checkpoint's own {@code lm_head.weight} is the head even though {@link
     * #tieWordEmbeddings()} is true: so in the transformers 5 layout (with {@code scale_decoder_outputs}),
     * where transformers ties only when the file has no head of its own.
     */
    public boolean headFromCheckpoint() {
        return headFromCheckpoint;
    }

    /** Returns the padding token id. */
    public int padTokenId() {
        return padTokenId;
    }

    /** Returns the end-of-sequence token id. */
    public int eosTokenId() {
        return eosTokenId;
    }

    /** Returns the token id the decoder starts from. */
    public int decoderStartTokenId() {
        return decoderStartTokenId;
    }

    /** Returns the scale of the random initialisation. */
    public float initializerFactor() {
        return initializerFactor;
    }

    /** Builds configurations in code, through the same parser as {@code config.json} files. */
    public static final class Builder {
        private final JsonObject o = new JsonObject();

        private Builder() {
            o.addProperty("model_type", "t5");
            o.add("architectures", JsonParser.parseString("[\"T5ForConditionalGeneration\"]"));
            o.addProperty("vocab_size", 32128);
            o.addProperty("d_model", 512);
            o.addProperty("d_kv", 64);
            o.addProperty("d_ff", 2048);
            o.addProperty("num_layers", 6);
            o.addProperty("num_heads", 8);
            o.addProperty("feed_forward_proj", "relu");
            o.addProperty("is_encoder_decoder", true);
        }

        /**
         * Sets an integer or string field by its {@code config.json} name.
         *
         * @param field the field name, e.g. {@code d_model}
         * @param value the value
         * @return this builder
         */
        public Builder set(String field, Number value) {
            o.addProperty(field, value);
            return this;
        }

        /**
         * Sets a string field by its {@code config.json} name.
         *
         * @param field the field name, e.g. {@code feed_forward_proj}
         * @param value the value
         * @return this builder
         */
        public Builder set(String field, String value) {
            o.addProperty(field, value);
            return this;
        }

        /**
         * Sets a boolean field by its {@code config.json} name.
         *
         * @param field the field name, e.g. {@code tie_word_embeddings}
         * @param value the value
         * @return this builder
         */
        public Builder set(String field, boolean value) {
            o.addProperty(field, value);
            return this;
        }

        /** Returns the parsed configuration. */
        public T5Config build() {
            return new T5Config(new ConfigJson(o.deepCopy(), "built T5Config"));
        }
    }
}
