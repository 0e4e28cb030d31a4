package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.routelab.backbone.CausalBatch;

/** Tiny Llama-family configurations, models and batches made in tests. */
public final class TinyLlama {
    /** Vocabulary size of the tiny models; ids 0, 1, 2 are pad, bos and eos. */
    public static final int VOCAB = 40;
    /** The three configuration types. */
    public static final List<String> TYPES = List.of("llama", "mistral", "qwen2");

    private TinyLlama() {}

    /**
     * Returns a tiny configuration with grouped-query attention (4 query heads, 2 key/value heads of
     * size 4): Llama with an untied head, Mistral with a sliding window of 3 positions, Qwen2 with
     * tied embeddings (and its q/k/v biases).
     *
     * @param type llama, mistral or qwen2
     * @return the configuration
     */
    public static LlamaConfig config(String type) {
        return builder(type).build();
    }

    /**
     * Returns a builder holding {@link #config}'s fields, to add more.
     *
     * @param type llama, mistral or qwen2
     * @return the builder
     */
    public static LlamaConfig.Builder builder(String type) {
        LlamaConfig.Builder b = LlamaConfig.builder(type)
                .set("vocab_size", VOCAB)
                .set("hidden_size", 16)
                .set("intermediate_size", 32)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 4)
                .set("num_key_value_heads", 2)
                .set("max_position_embeddings", 64)
                .set("initializer_range", 0.25)
                .set("rms_norm_eps", 1e-6)
                .set("pad_token_id", 0)
                .set("bos_token_id", 1)
                .set("eos_token_id", 2);
        switch (type) {
            case "mistral" -> b.set("sliding_window", 3);
            case "qwen2" -> b.set("tie_word_embeddings", true).set("rope_theta", 1000.0);
            default -> { }
        }
        return b;
    }

    /**
     * Creates and randomly initialises a tiny model.
     *
     * @param manager owns the parameters
     * @param type llama, mistral or qwen2
     * @param seed the initialisation seed
     * @return the model
     */
    public static LlamaModel model(NDManager manager, String type, int seed) {
        LlamaModel m = new LlamaModel(manager, config(type), DataType.FLOAT32);
        m.initialize(seed);
        return m;
    }

    /**
     * Returns a batch of two examples of different lengths (ids avoid pad 0, bos 1 and eos 2).
     *
     * @param manager where the arrays are created
     * @param model the model whose layout is used
     * @return the batch
     */
    public static CausalBatch batch(NDManager manager, LlamaModel model) {
        return model.batch(manager,
                List.of(new long[] {1, 5, 6, 7, 8, 9}, new long[] {1, 10, 11}),
                List.of(new long[] {12, 13, 2}, new long[] {14, 15, 16, 17, 2}));
    }

    /**
     * Copies an array's values.
     *
     * @param a the array
     * @return its float values
     */
    public static float[] values(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
