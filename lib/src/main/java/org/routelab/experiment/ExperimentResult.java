package org.routelab.experiment;

import java.util.List;
import java.util.Map;
import org.routelab.eval.SeedAggregate;

/**
 * What an experiment measured: held-out accuracy per task and seed, the method's parameter counts
 * and the wall time.
 *
 * @param name a label for tables (e.g. {@code poly-z})
 * @param method the method and its options, as text
 * @param scores held-out accuracy per task and seed
 * @param seeds the seeds, in run order
 * @param trainableMultitask parameters trained during multi-task training (0 without it)
 * @param trainableAdaptation parameters trained during few-shot adaptation
 * @param multitaskLosses the multi-task training losses, one per step
 * @param adaptation how adaptation went on each held-out task and seed, in run order
 * @param wallSeconds the run's wall time
 */
public record ExperimentResult(String name, String method, SeedAggregate scores, List<Integer> seeds,
        long trainableMultitask, long trainableAdaptation, List<Float> multitaskLosses, List<AdaptationCurve> adaptation,
        double wallSeconds) {

    /** Returns the median over seeds of each held-out task's accuracy. */
    public Map<String, Double> accuracyPerTask() {
        return scores.medianPerTask();
    }

    /** Returns the mean over held-out tasks of the median accuracy over seeds (the papers' figure). */
    public double meanAccuracy() {
        return scores.meanOfMedians();
    }
}
