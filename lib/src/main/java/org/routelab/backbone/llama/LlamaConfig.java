package org.routelab.backbone.llama;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.ModelConfigException;
import org.routelab.nn.ActivationFunction;

/**
 * The architecture of a Llama-family decoder, read from a Hugging Face {@code config.json} of
 * {@code model_type} {@code llama}, {@code mistral} or {@code qwen2}, with Hugging Face's field names
 * and per-type defaults. The three differ only in details this class resolves:
 *
 * <ul>
 *   <li>biases: Llama has {@code attention_bias} (on q, k, v and o) and {@code mlp_bias}; Qwen2 always
 *       has q, k, v biases and no o bias; Mistral has none;
 *   <li>sliding window: Mistral limits every layer to {@code sliding_window} positions (default 4096,
 *       {@code null} for none); Qwen2 does so only with {@code use_sliding_window}, for layers from
 *       {@code max_window_layers} on (or as {@code layer_types} says); Llama has none.
 * </ul>
 *
 * Rotary positions are read in both layouts: transformers 4's top-level {@code rope_theta} and {@code
 * rope_scaling}, and transformers 5's {@code rope_parameters} (theta inside, with the scaling type's
 * fields; per-layer-type dictionaries when their keys are the {@code layer_types}). As in transformers
 * 5, a {@code rope_scaling} object takes precedence, values inside the dictionary over top-level ones,
 * and {@code llama3}'s {@code original_max_position_embeddings} may sit at the top level. Types {@code
 * default}, {@code linear} and {@code llama3} are supported; other types, a partial rotary factor,
 * soft-capping, quantisation and attention types other than full and sliding are refused naming the
 * field and value, rather than giving silently wrong logits. {@code layer_types} is read for every type
 * (only Mistral and Qwen2 have sliding windows).
 */
public final class LlamaConfig {
    /** The {@code model_type} values this configuration reads. */
    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "qwen2");

    /**
     * Built-in presets: {@code llama-tiny}, the project's own shape for CPU benchmarks, and the
     * {@code config.json} of published checkpoints, so parameter accounting runs on real shapes
     * without downloading weights.
     */
    public static final List<String> PRESETS =
            List.of("llama-tiny", "tinyllama-1.1b", "llama-3.2-1b", "qwen2-0.5b", "mistral-7b-v0.1");

    /**
     * How rotary frequencies are rescaled for long contexts.
     *
     * @param type {@code default}, {@code linear} or {@code llama3}
     * @param factor the scaling factor (1 for {@code default})
     * @param lowFreqFactor {@code llama3}: wavelengths above {@code original / lowFreqFactor} are scaled fully
     * @param highFreqFactor {@code llama3}: wavelengths below {@code original / highFreqFactor} are kept
     * @param originalMaxPositions {@code llama3}: the context length of pretraining
     */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) {
        /** No scaling. */
        public static final RopeScaling NONE = new RopeScaling("default", 1, 0, 0, 0);
    }

    private final JsonObject json;
    private final String modelType;
    private final int vocabSize;
    private final int hiddenSize;
    private final int intermediateSize;
    private final int numLayers;
    private final int numHeads;
    private final int numKeyValueHeads;
    private final int headDim;
    private final float rmsNormEps;
    private final double ropeTheta;
    private final RopeScaling ropeScaling;
    private final int maxPositionEmbeddings;
    private final boolean tieWordEmbeddings;
    private final ActivationFunction activation;
    private final boolean qkvBias;
    private final boolean outputBias;
    private final boolean mlpBias;
    private final int[] slidingWindows;
    private final float attentionDropout;
    private final float initializerRange;
    private final int bosTokenId;
    private final int[] eosTokenIds;
    private final int padTokenId;

    private LlamaConfig(ConfigJson c) {
        if (!c.has("model_type")) {
            throw c.invalid("model_type", "is missing; expected one of " + MODEL_TYPES);
        }
        modelType = c.stringOr("model_type", "");
        if (!MODEL_TYPES.contains(modelType)) {
            throw c.invalid("model_type", "is '" + modelType + "', expected one of " + MODEL_TYPES);
        }
        json = c.json().deepCopy();
        vocabSize = c.positiveInt("vocab_size");
        hiddenSize = c.positiveInt("hidden_size");
        intermediateSize = c.positiveInt("intermediate_size");
        numLayers = c.positiveInt("num_hidden_layers");
        numHeads = c.positiveInt("num_attention_heads");
        numKeyValueHeads = c.has("num_key_value_heads") ? c.positiveInt("num_key_value_heads") : numHeads;
        if (numHeads % numKeyValueHeads != 0) {
            throw c.invalid("num_key_value_heads", "(" + numKeyValueHeads + ") must divide num_attention_heads ("
                    + numHeads + ")");
        }
        if (c.has("head_dim")) {
            headDim = c.positiveInt("head_dim");
        } else if (hiddenSize % numHeads != 0) {
            throw c.invalid("hidden_size", "(" + hiddenSize + ") is not a multiple of num_attention_heads (" + numHeads
                    + ") and no head_dim is given");
        } else {
            headDim = hiddenSize / numHeads;
        }
        if (headDim % 2 != 0) {
            throw c.invalid("head_dim", "must be even for rotary positions, got " + headDim);
        }
        rmsNormEps = (float) c.doubleOr("rms_norm_eps", 1e-6);
        maxPositionEmbeddings = c.has("max_position_embeddings") ? c.positiveInt("max_position_embeddings")
                : "qwen2".equals(modelType) ? 32768 : "mistral".equals(modelType) ? 4096 * 32 : 2048;
        ConfigJson rope = ropeParameters(c);
        ropeTheta = rope.has("rope_theta") ? rope.doubleOr("rope_theta", 0) : c.doubleOr("rope_theta", 10000.0);
        if (ropeTheta <= 0) {
            throw (rope.has("rope_theta") ? rope : c).invalid("rope_theta", "must be positive, got " + ropeTheta);
        }
        rope.refuseIfSet("partial_rotary_factor", 1.0, "rotary positions on part of each head");
        c.refuseIfSet("partial_rotary_factor", 1.0, "rotary positions on part of each head");
        ropeScaling = ropeScaling(rope, c, maxPositionEmbeddings);
        c.refuseIfSet("quantization_config", null, "quantised weights");
        c.refuseIfSet("pruned_heads", null, "attention heads removed from some layers");
        c.refuseIfSet("attn_logit_softcapping", null, "soft-capping of attention scores");
        c.refuseIfSet("final_logit_softcapping", null, "soft-capping of the output logits");
        c.refuseIfSet("attention_chunk_size", null, "chunked local attention");
        c.refuseIfSet("no_rope_layers", null, "layers without rotary positions");
        c.refuseIfSet("use_qk_norm", null, "normalised queries and keys");
        c.refuseIfSet("logits_scaling", 1.0, "scaled output logits");
        c.refuseIfSet("embedding_multiplier", 1.0, "scaled input embeddings");
        c.refuseIfSet("residual_multiplier", 1.0, "scaled residual branches");
        c.refuseIfSet("attention_multiplier", null, "a non-standard attention scale");
        tieWordEmbeddings = c.boolOr("tie_word_embeddings", false);
        try {
            activation = ActivationFunction.fromConfigName(c.stringOr("hidden_act", "silu"));
        } catch (IllegalArgumentException e) {
            throw c.invalid("hidden_act", "has " + e.getMessage());
        }
        switch (modelType) {
            case "qwen2" -> {
                qkvBias = true;
                outputBias = false;
                mlpBias = false;
            }
            case "mistral" -> {
                qkvBias = false;
                outputBias = false;
                mlpBias = false;
            }
            default -> {
                qkvBias = c.boolOr("attention_bias", false);
                outputBias = qkvBias;
                mlpBias = c.boolOr("mlp_bias", false);
            }
        }
        slidingWindows = slidingWindows(c);
        attentionDropout = (float) c.doubleOr("attention_dropout", 0.0);
        if (attentionDropout < 0 || attentionDropout >= 1) {
            throw c.invalid("attention_dropout", "must be in [0, 1), got " + attentionDropout);
        }
        initializerRange = (float) c.doubleOr("initializer_range", 0.02);
        // Hugging Face's Llama and Mistral configurations default to bos 1 and eos 2; Qwen2's has no defaults.
        boolean qwen = "qwen2".equals(modelType);
        bosTokenId = c.intOr("bos_token_id", qwen ? -1 : 1);
        eosTokenIds = c.has("eos_token_id") || qwen ? c.intArray("eos_token_id") : new int[] {2};
        padTokenId = c.intOr("pad_token_id", eosTokenIds[0]);
        checkToken(c, "bos_token_id", bosTokenId, true);
        for (int eos : eosTokenIds) {
            checkToken(c, "eos_token_id", eos, false);
        }
        checkToken(c, "pad_token_id", padTokenId, false);
    }

    private void checkToken(ConfigJson c, String field, int id, boolean optional) {
        if ((id < 0 && !(optional && id == -1)) || id >= vocabSize) {
            throw c.invalid(field, "(" + id + ") is outside the vocabulary of " + vocabSize + " tokens");
        }
    }

    /**
     * Returns the rotary parameters of either layout: {@code rope_scaling} (transformers 4, or its
     * alias in 5) or {@code rope_parameters} (5), or an empty object. Per-layer-type dictionaries must
     * agree, since every layer here shares one rotary table.
     */
    private ConfigJson ropeParameters(ConfigJson c) {
        String field = c.has("rope_scaling") ? "rope_scaling" : "rope_parameters";
        if (!c.has(field)) {
            return new ConfigJson(new JsonObject(), c.source() + ": rope parameters");
        }
        if (c.has("rope_scaling") && c.has("rope_parameters")
                && !c.json().get("rope_scaling").equals(c.json().get("rope_parameters"))) {
            throw c.invalid("rope_parameters", "= " + c.json().get("rope_parameters") + " disagrees with rope_scaling = "
                    + c.json().get("rope_scaling") + "; give one of them");
        }
        ConfigJson params = c.object(field);
        if (c.has("layer_types") && params.json().size() > 0 && c.json().get("layer_types").isJsonArray()) {
            java.util.Set<String> types = new java.util.HashSet<>();
            c.json().get("layer_types").getAsJsonArray().forEach(t -> types.add(t.getAsString()));
            if (types.containsAll(params.json().keySet())) {
                JsonElement first = null;
                for (String type : params.json().keySet()) {
                    JsonElement p = params.json().get(type);
                    if (first != null && !first.equals(p)) {
                        throw c.invalid(field, "= " + params.json() + " gives layer types different rotary"
                                + " parameters, which is not supported (one table serves every layer)");
                    }
                    first = p;
                }
                return params.object(params.json().keySet().iterator().next());
            }
        }
        return params;
    }

    private static RopeScaling ropeScaling(ConfigJson s, ConfigJson top, int maxPositions) {
        String type = s.stringOr("rope_type", s.stringOr("type", "default")).toLowerCase(Locale.ROOT);
        switch (type) {
            case "default":
                return RopeScaling.NONE;
            case "linear":
                return new RopeScaling(type, positive(s, "factor"), 0, 0, 0);
            case "llama3":
                double low = positive(s, "low_freq_factor");
                double high = positive(s, "high_freq_factor");
                if (high <= low) {
                    throw s.invalid("high_freq_factor", "(" + high + ") must exceed low_freq_factor (" + low + ")");
                }
                // As transformers 5: a top-level value wins, then the dictionary's, then the context length.
                int original = top.has("original_max_position_embeddings")
                        ? top.positiveInt("original_max_position_embeddings")
                        : s.has("original_max_position_embeddings") ? s.positiveInt("original_max_position_embeddings")
                        : maxPositions;
                return new RopeScaling(type, positive(s, "factor"), low, high, original);
            default:
                throw new ModelConfigException(s.source() + " has rope_type '" + type
                        + "', which changes the computation and is not supported; supported types: default, linear,"
                        + " llama3");
        }
    }

    private static double positive(ConfigJson s, String field) {
        double v = s.doubleOr(field, Double.NaN);
        if (!(v > 0)) {
            throw s.has(field) ? s.invalid(field, "must be positive, got " + v)
                    : new ModelConfigException(s.source() + ": missing field '" + field + "'");
        }
        return v;
    }

    /**
     * Returns the window of every layer (0 for full causal attention), following each type's rules. A
     * {@code layer_types} list (transformers 5) decides per layer: full, or sliding with the type's
     * window, which is none (full attention, as transformers computes it) when the window is off.
     */
    private int[] slidingWindows(ConfigJson c) {
        int[] windows = new int[numLayers];
        int window = switch (modelType) {
            // Hugging Face's MistralConfig defaults to 4096; null switches the window off (v0.2 and later).
            case "mistral" -> !c.json().has("sliding_window") ? 4096 : c.has("sliding_window")
                    ? c.positiveInt("sliding_window") : 0;
            // As Qwen2Config: the window (default 4096, null for none) counts only with use_sliding_window.
            case "qwen2" -> !c.boolOr("use_sliding_window", false) ? 0
                    : !c.json().has("sliding_window") ? 4096
                    : c.has("sliding_window") ? c.positiveInt("sliding_window") : 0;
            default -> 0;
        };
        if (c.has("layer_types")) {
            JsonElement types = c.json().get("layer_types");
            if (!types.isJsonArray() || types.getAsJsonArray().size() != numLayers) {
                throw c.invalid("layer_types", "must list one type per layer (" + numLayers + "), got " + types);
            }
            for (int i = 0; i < numLayers; i++) {
                JsonElement t = types.getAsJsonArray().get(i);
                String type = t.isJsonPrimitive() ? t.getAsString() : t.toString();
                if ("sliding_attention".equals(type) && !"llama".equals(modelType)) {
                    windows[i] = window;
                } else if (!"full_attention".equals(type)) {
                    throw c.invalid("layer_types", "has '" + type + "' at layer " + i + ", an attention type " + modelType
                            + " does not support here (supported: full_attention"
                            + ("llama".equals(modelType) ? "" : ", sliding_attention") + ")");
                }
            }
        } else if ("mistral".equals(modelType)) {
            Arrays.fill(windows, window);
        } else if ("qwen2".equals(modelType)) {
            for (int i = Math.max(0, c.intOr("max_window_layers", 28)); i < numLayers; i++) {
                windows[i] = window;
            }
        }
        return windows;
    }

    /**
     * Parses a configuration.
     *
     * @param config the configuration fields
     * @return the configuration
     * @throws ModelConfigException naming the source and field of any invalid value
     */
    public static LlamaConfig fromJson(ConfigJson config) {
        return new LlamaConfig(config);
    }

    /**
     * Reads a {@code config.json}.
     *
     * @param file the file
     * @return the configuration
     */
    public static LlamaConfig read(Path file) {
        return new LlamaConfig(ConfigJson.read(file));
    }

    /**
     * Returns a built-in preset (see {@link #PRESETS}).
     *
     * @param name the preset name
     * @return the configuration
     */
    public static LlamaConfig preset(String name) {
        return new LlamaConfig(ConfigJson.preset(LlamaConfig.class, "Llama-family", PRESETS, name));
    }

    /**
     * Returns a builder starting from a small Llama shape; every field can be overridden by its
     * {@code config.json} name.
     *
     * @param modelType {@code llama}, {@code mistral} or {@code qwen2}
     * @return the builder
     */
    public static Builder builder(String modelType) {
        return new Builder(modelType);
    }

    /** Returns the configuration as {@code config.json} content (unknown input fields preserved). */
    public JsonObject toJson() {
        return json.deepCopy();
    }

    /** Returns {@code llama}, {@code mistral} or {@code qwen2}. */
    public String modelType() {
        return modelType;
    }

    /** Returns the vocabulary size. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Returns the hidden size. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** Returns the feed-forward inner size. */
    public int intermediateSize() {
        return intermediateSize;
    }

    /** Returns the number of decoder layers. */
    public int numLayers() {
        return numLayers;
    }

    /** Returns the number of query heads. */
    public int numHeads() {
        return numHeads;
    }

    /** Returns the number of key/value heads (fewer than query heads under grouped-query attention). */
    public int numKeyValueHeads() {
        return numKeyValueHeads;
    }

    /** Returns the per-head size. */
    public int headDim() {
        return headDim;
    }

    /** Returns the RMS norm epsilon. */
    public float rmsNormEps() {
        return rmsNormEps;
    }

    /** Returns the rotary base {@code theta}. */
    public double ropeTheta() {
        return ropeTheta;
    }

    /** Returns the rotary frequency scaling. */
    public RopeScaling ropeScaling() {
        return ropeScaling;
    }

    /** Returns the longest sequence the model accepts. */
    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    /** Returns whether the output head reuses the input embedding. */
    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    /** Returns the activation of the gated feed-forward ({@code silu} in the whole family). */
    public ActivationFunction activation() {
        return activation;
    }

    /** Returns whether the query, key and value projections have biases. */
    public boolean qkvBias() {
        return qkvBias;
    }

    /** Returns whether the attention output projection has a bias. */
    public boolean outputBias() {
        return outputBias;
    }

    /** Returns whether the feed-forward projections have biases. */
    public boolean mlpBias() {
        return mlpBias;
    }

    /**
     * Returns how many positions a query of a layer sees, itself included.
     *
     * @param layer the layer index
     * @return the window, or 0 for full causal attention
     */
    public int slidingWindow(int layer) {
        return slidingWindows[layer];
    }

    /** Returns the dropout rate on attention probabilities while training. */
    public float attentionDropout() {
        return attentionDropout;
    }

    /** Returns the standard deviation of the random initialisation. */
    public float initializerRange() {
        return initializerRange;
    }

    /** Returns the beginning-of-sequence token id, or -1 when the configuration has none. */
    public int bosTokenId() {
        return bosTokenId;
    }

    /** Returns the end-of-sequence token id appended to targets (the first of {@link #eosTokenIds}). */
    public int eosTokenId() {
        return eosTokenIds[0];
    }

    /** Returns every token id that ends generation (Llama 3 lists several). */
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    /** Returns the padding token id ({@code pad_token_id}, or the end-of-sequence id when absent). */
    public int padTokenId() {
        return padTokenId;
    }

    /** Builds configurations in code, through the same parser as {@code config.json} files. */
    public static final class Builder {
        private final JsonObject o = new JsonObject();

        private Builder(String modelType) {
            o.addProperty("model_type", modelType);
            String arch = switch (modelType) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                default -> "LlamaForCausalLM";
            };
            o.add("architectures", JsonParser.parseString("[\"" + arch + "\"]"));
            o.addProperty("vocab_size", 32000);
            o.addProperty("hidden_size", 256);
            o.addProperty("intermediate_size", 688);
            o.addProperty("num_hidden_layers", 4);
            o.addProperty("num_attention_heads", 4);
            o.addProperty("hidden_act", "silu");
            if ("qwen2".equals(modelType)) {
                // Qwen2 has no default end-of-sequence token; Llama and Mistral default to bos 1, eos 2.
                o.addProperty("eos_token_id", 2);
            }
        }

        /**
         * Sets a number field by its {@code config.json} name.
         *
         * @param field the field name, e.g. {@code hidden_size}
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
         * @param field the field name, e.g. {@code hidden_act}
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

        /**
         * Sets a field to JSON content (an object such as {@code rope_scaling}, a list, or {@code null}).
         *
         * @param field the field name
         * @param jsonValue the value as JSON text, e.g. {@code {"rope_type": "linear", "factor": 2}}
         * @return this builder
         */
        public Builder setJson(String field, String jsonValue) {
            o.add(field, JsonParser.parseString(jsonValue));
            return this;
        }

        /** Returns the parsed configuration. */
        public LlamaConfig build() {
            return new LlamaConfig(new ConfigJson(o.deepCopy(), "built LlamaConfig"));
        }
    }
}
