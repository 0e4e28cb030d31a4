package org.routelab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.routelab.backbone.Seq2SeqBatch;

/**
 * A padded batch and the task id of each of its examples, for task-id routing.
 *
 * @param seq2seq the padded encoder/decoder arrays
 * @param taskIds the task id of each example, int64 {@code [B]}, in the same manager
 */
public record TaskBatch(Seq2SeqBatch seq2seq, NDArray taskIds) implements AutoCloseable {

    /**
     * Pads encoded examples into a batch (target ids become the labels).
     *
     * @param manager where the arrays are created; results of operations on them land there too, so
     *     a per-step sub-manager closed after the step frees everything at once
     * @param examples the examples (at least one)
     * @param padId the padding token id
     * @param decoderStartId the token the decoder starts from
     * @return the batch
     */
    public static TaskBatch of(NDManager manager, List<EncodedExample> examples, long padId, long decoderStartId) {
        List<long[]> inputs = new ArrayList<>(examples.size());
        List<long[]> targets = new ArrayList<>(examples.size());
        long[] ids = new long[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            EncodedExample e = examples.get(i);
            inputs.add(e.inputIds());
            targets.add(e.targetIds());
            ids[i] = e.taskId();
        }
        Seq2SeqBatch batch = Seq2SeqBatch.of(manager, inputs, targets, padId, decoderStartId);
        return new TaskBatch(batch, manager.create(ids, new Shape(ids.length)));
    }

    /** Returns the number of examples. */
    public int size() {
        return seq2seq.size();
    }

    /** Frees the batch's own arrays (not the results computed from them). */
    @Override
    public void close() {
        seq2seq.inputIds().close();
        seq2seq.attentionMask().close();
        seq2seq.decoderInputIds().close();
        seq2seq.labels().close();
        taskIds.close();
    }
}
