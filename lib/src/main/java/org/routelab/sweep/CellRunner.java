package org.routelab.sweep;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.experiment.Experiment;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.experiment.ExperimentResult;
import org.routelab.notebook.Progress;
import org.routelab.notebook.RunInterruptedException;

/**
 * Runs one cell where it lands: the experiment, up to {@code 1 + retries} times while it fails, then
 * writes its record (results, or the last error) to the store. A failure is recorded, never thrown, so
 * one bad cell does not stop the others; an interrupt (a cancelled sweep) is thrown and records nothing.
 */
public final class CellRunner {
    private CellRunner() {}

    /**
     * Runs a cell and stores its record.
     *
     * @param task the cell
     * @param device the device to run on ({@code gpu:N} given by the cluster), or null for the config's
     * @return the record written
     */
    public static CellRecord run(CellTask task, String device) {
        ExperimentConfig config = task.config();
        ExperimentConfig running = device == null ? config : config.with("device", device);
        long start = System.nanoTime();
        RuntimeException last = null;
        int attempts = 0;
        for (int attempt = 0; attempt <= task.retries(); attempt++) {
            attempts++;
            long attemptStart = System.nanoTime();
            try {
                // The sweep shows one display for all cells; the cells' own phases stay quiet.
                ExperimentResult r = Progress.silently(() -> Experiment.of(running).run());
                CellRecord record = new CellRecord(task.key(), task.axes(), task.seed(), config.toJson(),
                        r.method(), CellRecord.OK, attempts, null, r.meanAccuracy(), accuracy(r), r.trainableMultitask(),
                        r.trainableAdaptation(), r.multitaskLosses(), (System.nanoTime() - attemptStart) / 1e9);
                new SweepStore(Path.of(task.store())).write(record);
                return record;
            } catch (RunInterruptedException e) {
                throw e;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        CellRecord failed = new CellRecord(task.key(), task.axes(), task.seed(), config.toJson(), "", CellRecord.FAILED,
                attempts, describe(last), null, Map.of(), 0, 0, List.of(), (System.nanoTime() - start) / 1e9);
        new SweepStore(Path.of(task.store())).write(failed);
        return failed;
    }

    private static Map<String, Map<String, Double>> accuracy(ExperimentResult r) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (String task : r.accuracyPerTask().keySet()) {
            Map<String, Double> bySeed = new LinkedHashMap<>();
            for (int seed : r.seeds()) {
                bySeed.put(Integer.toString(seed), r.scores().score(task, seed));
            }
            out.put(task, bySeed);
        }
        return out;
    }

    /** The error's class and message, and where it came from. */
    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            s.append("; caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return s.toString();
    }
}
