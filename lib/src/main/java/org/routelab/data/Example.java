package org.routelab.data;

import java.util.List;
import java.util.Objects;

/**
 * One example of a task: an input text, the target text, and optionally answer choices for rank
 * classification with the index of the right one.
 *
 * <p>When answer choices are present the target must equal {@code answerChoices.get(label)}: the
 * target is what generation-style training learns, the choices are what rank classification scores,
 * and the two must agree for training and evaluation to measure the same task.
 *
 * @param task the task name (not blank)
 * @param input the input text (not blank)
 * @param target the target text (not blank)
 * @param answerChoices the answer choices (empty when the example has none; otherwise at least two,
 *     none blank)
 * @param label the index of the right choice, or {@link #NO_LABEL} when there are no choices
 */
public record Example(String task, String input, String target, List<String> answerChoices, int label) {
    /** The label of an example without answer choices. */
    public static final int NO_LABEL = -1;

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the field and value at fault
     */
    public Example {
        requireText("task", task);
        requireText("input", input);
        requireText("target", target);
        answerChoices = List.copyOf(Objects.requireNonNull(answerChoices, "answerChoices"));
        if (answerChoices.isEmpty()) {
            if (label != NO_LABEL) {
                throw new IllegalArgumentException("label " + label + " given without answer_choices");
            }
        } else {
            if (answerChoices.size() < 2) {
                throw new IllegalArgumentException(
                        "answer_choices needs at least 2 choices, got " + answerChoices.size());
            }
            for (int i = 0; i < answerChoices.size(); i++) {
                if (answerChoices.get(i).isBlank()) {
                    throw new IllegalArgumentException("answer_choices[" + i + "] is blank");
                }
            }
            if (label < 0 || label >= answerChoices.size()) {
                throw new IllegalArgumentException(
                        "label " + label + " is outside answer_choices (size " + answerChoices.size() + ")");
            }
            if (!answerChoices.get(label).equals(target)) {
                throw new IllegalArgumentException("target '" + target + "' differs from answer_choices[" + label
                        + "] '" + answerChoices.get(label) + "'");
            }
        }
    }

    /**
     * Creates an example without answer choices.
     *
     * @param task the task name
     * @param input the input text
     * @param target the target text
     * @return the example
     */
    public static Example of(String task, String input, String target) {
        return new Example(task, input, target, List.of(), NO_LABEL);
    }

    /**
     * Creates an example whose target is one of its answer choices.
     *
     * @param task the task name
     * @param input the input text
     * @param answerChoices the choices
     * @param label the index of the right choice
     * @return the example
     * @throws IllegalArgumentException if the label is outside the choices
     */
    public static Example withChoices(String task, String input, List<String> answerChoices, int label) {
        if (label < 0 || label >= answerChoices.size()) {
            throw new IllegalArgumentException(
                    "label " + label + " is outside answer_choices (size " + answerChoices.size() + ")");
        }
        return new Example(task, input, answerChoices.get(label), answerChoices, label);
    }

    /** Returns whether the example has answer choices (and so can be rank-classified). */
    public boolean hasChoices() {
        return !answerChoices.isEmpty();
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is " + (value == null ? "missing" : "empty"));
        }
    }
}
