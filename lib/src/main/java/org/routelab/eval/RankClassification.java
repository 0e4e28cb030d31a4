package org.routelab.eval;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.function.Function;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.Batches;
import org.routelab.data.ChoiceExpansion;
import org.routelab.data.EncodedExample;
import org.routelab.data.TaskBatch;
import org.routelab.nn.ForwardContext;

/**
 * Rank classification as the papers evaluate: every answer choice is scored by the mean per-token
 * negative log-likelihood of its tokens given the input, and the lowest score is the prediction.
 */
public final class RankClassification {
    private RankClassification() {}

    /**
     * Returns the predicted choice of every example.
     *
     * @param examples encoded examples with answer choices
     * @param batchSize rows (example-choice pairs) per forward pass
     * @param manager the parent of each batch's scope
     * @param model the model, in evaluation mode
     * @param context the forward context of a batch (its routing information)
     * @return the predicted choice index per example
     */
    public static int[] predict(List<EncodedExample> examples, int batchSize, NDManager manager,
            LanguageModel model, Function<TaskBatch, ForwardContext> context) {
        ChoiceExpansion expansion = ChoiceExpansion.of(examples);
        double[] scores = new double[expansion.rows().size()];
        int row = 0;
        for (List<EncodedExample> batch : Batches.inOrder(expansion.rows(), batchSize)) {
            try (NDManager scope = manager.newSubManager()) {
                TaskBatch b = TaskBatch.of(scope, batch, model);
                float[] s = SequenceScores.meanNll(model.logits(b.inputs(), context.apply(b)), b.inputs().labels());
                for (float v : s) {
                    scores[row++] = v;
                }
            }
        }
        return expansion.argmin(scores);
    }

    /**
     * Returns the share of examples whose prediction is their label.
     *
     * @param examples the examples (with labels)
     * @param predictions the predicted choice per example
     * @return accuracy in {@code [0, 1]}
     */
    public static double accuracy(List<EncodedExample> examples, int[] predictions) {
        if (examples.isEmpty() || examples.size() != predictions.length) {
            throw new IllegalArgumentException(
                    "need one prediction per example: " + predictions.length + " for " + examples.size());
        }
        int right = 0;
        for (int i = 0; i < predictions.length; i++) {
            if (predictions[i] == examples.get(i).label()) {
                right++;
            }
        }
        return (double) right / predictions.length;
    }
}
