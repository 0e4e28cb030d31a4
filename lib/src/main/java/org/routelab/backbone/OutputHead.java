package org.routelab.backbone;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.HfCheckpoint;

/**
 * Where a model's output head comes from when its configuration ties it to the input embedding but
 * its checkpoint may store {@code lm_head.weight} anyway. transformers 4 ties after loading (a stored
 * head is overwritten); transformers 5 ties only when the file has no head of its own. A stored head
 * is therefore loaded, never dropped: it is the head where the configuration's layout says so (T5's
 * transformers-5 layout), and elsewhere it must equal the embedding, the one case where both
 * versions compute the same logits.
 */
public final class OutputHead {
    /** The head's tensor name in every supported family. */
    public static final String TENSOR = "lm_head.weight";

    private OutputHead() {}

    /**
     * Returns whether the model needs a head parameter of its own.
     *
     * @param tied whether the configuration ties the head to the input embedding
     * @param folder the checkpoint folder
     * @return true when untied, or when tied but the checkpoint stores a head
     */
    public static boolean ownHead(boolean tied, Path folder) {
        return !tied || HfCheckpoint.tensorNames(folder).contains(TENSOR);
    }

    /**
     * Checks a head that was stored although the configuration ties it.
     *
     * @param folder the checkpoint folder (for the message)
     * @param head the loaded head {@code [vocab, hidden]}
     * @param embedding the input embedding it is tied to
     * @param embeddingName the embedding's tensor name
     * @throws CheckpointException if they differ, saying how each transformers version would read it
     */
    public static void requireTiedCopy(Path folder, NDArray head, NDArray embedding, String embeddingName) {
        if (!head.contentEquals(embedding)) {
            throw new CheckpointException(folder + ": config.json ties the output head to '" + embeddingName
                    + "' (tie_word_embeddings), but the checkpoint stores a different '" + TENSOR + "'; transformers 4"
                    + " would drop it and transformers 5 would use it. Set \"tie_word_embeddings\": false in"
                    + " config.json to use the stored head, or remove it from the checkpoint to tie.");
        }
    }
}
