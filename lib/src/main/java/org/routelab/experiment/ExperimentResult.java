package org.routelab.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.routelab.analysis.AdapterWeights;
import org.routelab.eval.SeedAggregate;
import org.routelab.notebook.DisplayParts;
import org.routelab.notebook.NotebookRenderable;

/**
 * What an experiment measured: held-out accuracy per task and seed, the method's parameter counts
 * and the wall time. In a notebook it shows as its per-task table followed by its training curves.
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
 * @param multitaskWeights the parameters multi-task training trained, at its last step, for analyses
 *     such as routing maps ({@link AdapterWeights#EMPTY} without multi-task training, or when read
 *     from a run folder that has no {@code multitask/adapters.safetensors})
 * @param multitaskSnapshots the same parameters at earlier steps, when the experiment asked for
 *     snapshots ({@code ExperimentBuilder.snapshotEvery}); never persisted
 */
public record ExperimentResult(String name, String method, SeedAggregate scores, List<Integer> seeds,
        long trainableMultitask, long trainableAdaptation, List<Float> multitaskLosses, List<AdaptationCurve> adaptation,
        double wallSeconds, AdapterWeights multitaskWeights, List<AdapterWeights> multitaskSnapshots)
        implements NotebookRenderable {

    /** Copies the lists. */
    public ExperimentResult {
        seeds = List.copyOf(seeds);
        multitaskLosses = List.copyOf(multitaskLosses);
        adaptation = List.copyOf(adaptation);
        multitaskSnapshots = List.copyOf(multitaskSnapshots);
    }

    /** Returns the median over seeds of each held-out task's accuracy. */
    public Map<String, Double> accuracyPerTask() {
        return scores.medianPerTask();
    }

    /** Returns the mean over held-out tasks of the median accuracy over seeds (the papers' figure). */
    public double meanAccuracy() {
        return scores.meanOfMedians();
    }

    /**
     * Returns the multi-task training path: the snapshots, then the final weights (for {@code
     * analysis.Trajectories}).
     */
    public List<AdapterWeights> multitaskPath() {
        List<AdapterWeights> path = new ArrayList<>(multitaskSnapshots);
        path.add(multitaskWeights);
        return path;
    }

    /**
     * Returns how a notebook shows the result: the parts a registered {@link DisplayParts} provider
     * gives (the charts package adds the loss curves), else the per-task table.
     */
    @Override
    public List<Object> notebookParts() {
        return DisplayParts.of(this).orElseGet(() -> List.of(ResultTables.perTask(this)));
    }

    /** Returns a one-line summary, e.g. {@code poly (r=1;S=8;...): mean held-out accuracy 61.2% ...}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "%s (%s): mean held-out accuracy %.1f%% over %d tasks, seeds %s; %d multi-task steps, trains %d"
                        + " multi-task and %d adaptation parameters; %.0f s",
                name, method, 100 * meanAccuracy(), accuracyPerTask().size(), seeds, multitaskLosses.size(),
                trainableMultitask, trainableAdaptation, wallSeconds);
    }
}
