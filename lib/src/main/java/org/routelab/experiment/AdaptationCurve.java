package org.routelab.experiment;

import java.util.List;

/**
 * How few-shot adaptation on one held-out task and seed went: the loss of every step and, when the
 * experiment evaluates during adaptation, the validation accuracy at each evaluation.
 *
 * @param task the held-out task
 * @param seed the few-shot seed
 * @param losses the training loss of every step
 * @param evaluatedSteps the steps after which validation accuracy was measured (empty without validation)
 * @param validationAccuracy the accuracy at each of {@code evaluatedSteps}
 * @param keptStep the step whose weights were scored on the test examples (the last step, or the best
 *     validation step under the best-validation protocol)
 */
public record AdaptationCurve(String task, int seed, List<Float> losses, List<Integer> evaluatedSteps,
        List<Double> validationAccuracy, int keptStep) {
    /** Copies the lists and checks that every evaluated step has an accuracy. */
    public AdaptationCurve {
        losses = List.copyOf(losses);
        evaluatedSteps = List.copyOf(evaluatedSteps);
        validationAccuracy = List.copyOf(validationAccuracy);
        if (evaluatedSteps.size() != validationAccuracy.size()) {
            throw new IllegalArgumentException(evaluatedSteps.size() + " evaluated steps but "
                    + validationAccuracy.size() + " accuracies");
        }
    }
}
