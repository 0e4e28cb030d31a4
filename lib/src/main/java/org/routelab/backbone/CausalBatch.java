package org.routelab.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.routelab.nn.Losses;

/**
 * A padded decoder-only batch: each row is the input followed by the target, padded on the right.
 * Labels are aligned with the logits of a causal language model: the label at position {@code t} is
 * the token at {@code t + 1} when that token belongs to the target, and {@link Losses#IGNORE_INDEX}
 * elsewhere (the prompt, the last token, padding). So the teacher-forced loss and the scores of rank
 * classification count the target tokens only, exactly as with an encoder-decoder batch.
 *
 * <p>The input/target boundary. Inputs are used as the tokenizer gives them: a BOS token is not
 * added here, because Hugging Face tokenizers already add one where the model expects it (Llama,
 * Mistral) and not where it does not (Qwen2); an input that ends with an end-of-sequence token (the
 * project's T5-style word-level tokenizers append {@code </s>} to every text) keeps it as the
 * separator between prompt and answer. Targets are normalised so that every model sees the same
 * answer layout: a leading BOS (which a tokenizer that adds one to every text puts there) is dropped,
 * and the end-of-sequence token is appended when missing, so that the model learns to stop and
 * {@code generate} ends.
 *
 * @param inputIds input then target ids {@code [B, L]} (int64, padding after the sequence)
 * @param attentionMask {@code [B, L]} (int64, 1 = real token)
 * @param inputMask {@code [B, L]} (int64, 1 = input token), what {@code inputEmbedding} pools over
 * @param labels {@code [B, L]} (int64): the next token where it is a target token, {@code -100} elsewhere
 */
public record CausalBatch(NDArray inputIds, NDArray attentionMask, NDArray inputMask, NDArray labels)
        implements ModelBatch {

    /**
     * Concatenates and pads token sequences into a batch.
     *
     * @param manager where the arrays are created
     * @param inputs input token ids per example (non-empty)
     * @param targets target token ids per example (non-empty once a leading BOS is dropped)
     * @param padId the padding token id
     * @param bosId the beginning-of-sequence token id, or -1 if the model has none
     * @param eosId the end-of-sequence token id
     * @return the batch
     */
    public static CausalBatch of(
            NDManager manager, List<long[]> inputs, List<long[]> targets, long padId, long bosId, long eosId) {
        if (inputs.isEmpty() || inputs.size() != targets.size()) {
            throw new IllegalArgumentException(
                    "need as many targets as inputs, and at least one: " + inputs.size() + " vs " + targets.size());
        }
        int b = inputs.size();
        long[][] answers = new long[b][];
        int length = 0;
        for (int i = 0; i < b; i++) {
            if (inputs.get(i).length == 0) {
                throw new IllegalArgumentException("input " + i + " is empty");
            }
            answers[i] = target(targets.get(i), bosId, eosId, i);
            length = Math.max(length, inputs.get(i).length + answers[i].length);
        }
        long[] ids = new long[b * length];
        long[] mask = new long[b * length];
        long[] inputMask = new long[b * length];
        long[] labels = new long[b * length];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, Losses.IGNORE_INDEX);
        for (int i = 0; i < b; i++) {
            long[] in = inputs.get(i);
            int row = i * length;
            for (int j = 0; j < in.length; j++) {
                ids[row + j] = in[j];
                inputMask[row + j] = 1;
            }
            for (int j = 0; j < answers[i].length; j++) {
                int position = in.length + j;
                ids[row + position] = answers[i][j];
                // The logits at the previous position predict this target token.
                labels[row + position - 1] = answers[i][j];
            }
            Arrays.fill(mask, row, row + in.length + answers[i].length, 1);
        }
        Shape shape = new Shape(b, length);
        return new CausalBatch(manager.create(ids, shape), manager.create(mask, shape),
                manager.create(inputMask, shape), manager.create(labels, shape));
    }

    /** Drops a leading BOS and appends the end-of-sequence token when missing. */
    private static long[] target(long[] target, long bosId, long eosId, int index) {
        int start = target.length > 0 && bosId >= 0 && target[0] == bosId ? 1 : 0;
        if (target.length == start) {
            throw new IllegalArgumentException("target " + index + " is empty");
        }
        boolean ended = target[target.length - 1] == eosId;
        long[] out = Arrays.copyOfRange(target, start, target.length + (ended ? 0 : 1));
        out[out.length - 1] = eosId;
        return out;
    }

    @Override
    public void close() {
        inputIds.close();
        attentionMask.close();
        inputMask.close();
        labels.close();
    }
}
