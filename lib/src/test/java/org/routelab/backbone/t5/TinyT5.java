package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.routelab.backbone.Seq2SeqBatch;

/** Tiny T5 configurations and batches made in tests. */
public final class TinyT5 {
    /** Vocabulary size of the tiny models. */
    public static final int VOCAB = 40;

    private TinyT5() {}

    /**
     * Returns a tiny configuration.
     *
     * @param v11 true for v1.1 (gated-gelu, untied head), false for v1.0 (relu, tied embeddings)
     * @param dropout the dropout rate
     * @return the configuration
     */
    public static T5Config config(boolean v11, double dropout) {
        T5Config.Builder b = T5Config.builder()
                .set("vocab_size", VOCAB)
                .set("d_model", 16)
                .set("d_kv", 4)
                .set("d_ff", 32)
                .set("num_layers", 2)
                .set("num_decoder_layers", 2)
                .set("num_heads", 4)
                .set("relative_attention_num_buckets", 8)
                .set("relative_attention_max_distance", 16)
                .set("dropout_rate", dropout);
        if (v11) {
            b.set("feed_forward_proj", "gated-gelu").set("tie_word_embeddings", false);
        }
        return b.build();
    }

    /**
     * Creates and randomly initialises a tiny model.
     *
     * @param manager owns the parameters
     * @param v11 the architecture version (see {@link #config})
     * @param seed the initialisation seed
     * @return the model
     */
    public static T5Model model(NDManager manager, boolean v11, int seed) {
        T5Model m = new T5Model(manager, config(v11, 0.0), DataType.FLOAT32);
        m.initialize(seed);
        return m;
    }

    /**
     * Returns a batch of two examples of different lengths (ids avoid pad 0 and eos 1).
     *
     * @param manager where the arrays are created
     * @return the batch
     */
    public static Seq2SeqBatch batch(NDManager manager) {
        return Seq2SeqBatch.of(manager,
                List.of(new long[] {5, 6, 7, 8, 9, 1}, new long[] {10, 11, 1}),
                List.of(new long[] {12, 13, 1}, new long[] {14, 15, 16, 17, 1}),
                0, 0);
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
