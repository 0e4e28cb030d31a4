package org.routelab.data;

import java.util.ArrayList;
import java.util.List;
import org.routelab.backbone.TextTokenizer;

/**
 * Tokenises examples through the backbone's tokenizer: input, target and every answer choice, each
 * with the special tokens the tokenizer file adds (T5 appends {@code </s>}). Nothing is truncated.
 */
public final class ExampleEncoder {
    private final TextTokenizer tokenizer;

    /**
     * Creates an encoder.
     *
     * @param tokenizer the tokenizer; the caller keeps ownership and closes it
     */
    public ExampleEncoder(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Encodes one example.
     *
     * @param example the example
     * @param taskId the task id to attach
     * @return the encoded example
     */
    public EncodedExample encode(Example example, int taskId) {
        List<long[]> choices = new ArrayList<>(example.answerChoices().size());
        for (String c : example.answerChoices()) {
            choices.add(tokenizer.encode(c));
        }
        return new EncodedExample(
                tokenizer.encode(example.input()), tokenizer.encode(example.target()), taskId, choices,
                example.label());
    }

    /**
     * Encodes examples that share a task id (a task, its few-shot split, its evaluation set).
     *
     * @param examples the examples
     * @param taskId the task id to attach
     * @return the encoded examples, in order
     */
    public List<EncodedExample> encode(List<Example> examples, int taskId) {
        List<EncodedExample> out = new ArrayList<>(examples.size());
        for (Example e : examples) {
            out.add(encode(e, taskId));
        }
        return out;
    }

    /**
     * Encodes every training example of a suite with its task id, for multi-task training.
     *
     * @param suite the suite
     * @return the encoded examples, task by task in task-id order
     */
    public List<EncodedExample> encodeTraining(TaskSuite suite) {
        List<EncodedExample> out = new ArrayList<>();
        for (int id = 0; id < suite.numTrainingTasks(); id++) {
            out.addAll(encode(suite.trainingTask(id).examples(), id));
        }
        return out;
    }
}
