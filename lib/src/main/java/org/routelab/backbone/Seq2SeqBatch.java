package org.routelab.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.routelab.nn.Losses;

/**
 * A padded encoder-decoder batch. Labels are the target ids with {@link Losses#IGNORE_INDEX} on
 * padding; decoder inputs are the labels shifted right behind the decoder start token.
 *
 * @param inputIds encoder ids {@code [B, S]} (int64)
 * @param attentionMask encoder mask {@code [B, S]} (int64, 1 = real token)
 * @param decoderInputIds decoder ids {@code [B, T]} (int64)
 * @param labels target ids {@code [B, T]} (int64, {@code -100} on padding)
 */
public record Seq2SeqBatch(NDArray inputIds, NDArray attentionMask, NDArray decoderInputIds, NDArray labels)
        implements ModelBatch {

    /**
     * Pads token sequences into a batch.
     *
     * @param manager where the arrays are created
     * @param inputs encoder token ids per example (non-empty)
     * @param targets target token ids per example (non-empty), ending with the end-of-sequence token
     * @param padId the padding token id
     * @param decoderStartId the token the decoder starts from
     * @return the batch
     */
    public static Seq2SeqBatch of(
            NDManager manager, List<long[]> inputs, List<long[]> targets, long padId, long decoderStartId) {
        if (inputs.isEmpty() || inputs.size() != targets.size()) {
            throw new IllegalArgumentException(
                    "need as many targets as inputs, and at least one: " + inputs.size() + " vs " + targets.size());
        }
        int b = inputs.size();
        int s = maxLength(inputs, "input");
        int t = maxLength(targets, "target");
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        long[] dec = new long[b * t];
        long[] labels = new long[b * t];
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(dec, padId);
        java.util.Arrays.fill(labels, Losses.IGNORE_INDEX);
        for (int i = 0; i < b; i++) {
            long[] in = inputs.get(i);
            for (int j = 0; j < in.length; j++) {
                ids[i * s + j] = in[j];
                mask[i * s + j] = 1;
            }
            long[] tg = targets.get(i);
            dec[i * t] = decoderStartId;
            for (int j = 0; j < tg.length; j++) {
                labels[i * t + j] = tg[j];
                if (j + 1 < t) {
                    dec[i * t + j + 1] = tg[j];
                }
            }
        }
        return new Seq2SeqBatch(
                manager.create(ids, new Shape(b, s)),
                manager.create(mask, new Shape(b, s)),
                manager.create(dec, new Shape(b, t)),
                manager.create(labels, new Shape(b, t)));
    }

    private static int maxLength(List<long[]> seqs, String what) {
        int max = 0;
        for (int i = 0; i < seqs.size(); i++) {
            if (seqs.get(i).length == 0) {
                throw new IllegalArgumentException(what + " " + i + " is empty");
            }
            max = Math.max(max, seqs.get(i).length);
        }
        return max;
    }

    @Override
    public void close() {
        inputIds.close();
        attentionMask.close();
        decoderInputIds.close();
        labels.close();
    }
}
