package org.routelab.data;

import java.util.List;

/**
 * An example as token ids, ready for batching. Arrays are shared, not copied: treat them as
 * read-only (records compare arrays by identity).
 *
 * @param inputIds input token ids as the tokenizer gives them (non-empty): what the encoder reads, or the
 *     prompt of a decoder-only model (see {@code CausalBatch} for how it meets the target)
 * @param targetIds target token ids as the tokenizer gives them (non-empty; T5 tokenizers end them with the
 *     end-of-sequence token, a decoder-only batch appends it when missing)
 * @param taskId the task id routers see (non-negative)
 * @param choiceIds the token ids of each answer choice (empty when the example has none)
 * @param label the index of the right choice, or {@link Example#NO_LABEL}
 */
public record EncodedExample(long[] inputIds, long[] targetIds, int taskId, List<long[]> choiceIds, int label) {
    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if a sequence is empty, the task id is negative, or the label
     *     does not fit the choices
     */
    public EncodedExample {
        if (inputIds.length == 0 || targetIds.length == 0) {
            throw new IllegalArgumentException("input and target ids must be non-empty");
        }
        if (taskId < 0) {
            throw new IllegalArgumentException("task id " + taskId + " is negative");
        }
        choiceIds = List.copyOf(choiceIds);
        for (int i = 0; i < choiceIds.size(); i++) {
            if (choiceIds.get(i).length == 0) {
                throw new IllegalArgumentException("answer choice " + i + " has no tokens");
            }
        }
        boolean labelFits = choiceIds.isEmpty() ? label == Example.NO_LABEL : label >= 0 && label < choiceIds.size();
        if (!labelFits) {
            throw new IllegalArgumentException("label " + label + " does not fit " + choiceIds.size() + " choices");
        }
    }

    /** Returns whether the example has answer choices. */
    public boolean hasChoices() {
        return !choiceIds.isEmpty();
    }
}
