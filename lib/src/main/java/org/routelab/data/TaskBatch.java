package org.routelab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;

/**
 * A padded batch in the backbone's layout and the task id of each of its examples, for task-id routing.
 *
 * @param inputs the padded arrays the backbone reads (labels included)
 * @param taskIds the task id of each example, int64 {@code [B]}, in the same manager
 */
public record TaskBatch(ModelBatch inputs, NDArray taskIds) implements AutoCloseable {

    /**
     * Pads encoded examples into a batch of the model's layout (target ids become the labels).
     *
     * @param manager where the arrays are created; results of operations on them land there too, so
     *     a per-step sub-manager closed after the step frees everything at once
     * @param examples the examples (at least one)
     * @param model the backbone that will read the batch
     * @return the batch
     */
    public static TaskBatch of(NDManager manager, List<EncodedExample> examples, LanguageModel model) {
        List<long[]> inputs = new ArrayList<>(examples.size());
        List<long[]> targets = new ArrayList<>(examples.size());
        long[] ids = new long[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            EncodedExample e = examples.get(i);
            inputs.add(e.inputIds());
            targets.add(e.targetIds());
            ids[i] = e.taskId();
        }
        return new TaskBatch(model.batch(manager, inputs, targets), manager.create(ids, new Shape(ids.length)));
    }

    /** Returns the number of examples. */
    public int size() {
        return inputs.size();
    }

    /** Returns the task id of each example. */
    public long[] taskIdArray() {
        return taskIds.toLongArray();
    }

    /** Frees the batch's own arrays (not the results computed from them). */
    @Override
    public void close() {
        inputs.close();
        taskIds.close();
    }
}
