package org.routelab.experiment;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/** Tablesaw tables of experiment results, in the layout of the papers' result tables. */
public final class ResultTables {
    private ResultTables() {}

    /**
     * Returns one row per held-out task: the accuracy of every seed and their median.
     *
     * @param result an experiment's result
     * @return the table
     */
    public static Table perTask(ExperimentResult result) {
        Table t = Table.create(result.name() + ": held-out accuracy");
        StringColumn task = StringColumn.create("task");
        t.addColumns(task);
        for (int seed : result.seeds()) {
            t.addColumns(DoubleColumn.create("seed " + seed));
        }
        DoubleColumn median = DoubleColumn.create("median");
        t.addColumns(median);
        threeDecimals(t, null);
        result.accuracyPerTask().forEach((name, med) -> {
            task.append(name);
            for (int seed : result.seeds()) {
                t.doubleColumn("seed " + seed).append(result.scores().score(name, seed));
            }
            median.append(med);
        });
        return t;
    }

    /**
     * Compares experiments as the papers' Table 1 does: one row per method with its accuracy on every
     * held-out task (median over seeds), the mean over tasks, the parameters it trains, and wall time.
     *
     * @param results the experiments (on the same suite)
     * @return the table
     */
    public static Table comparison(List<ExperimentResult> results) {
        Set<String> tasks = new LinkedHashSet<>();
        results.forEach(r -> tasks.addAll(r.accuracyPerTask().keySet()));
        Table t = Table.create("held-out accuracy (median over seeds)");
        StringColumn method = StringColumn.create("method");
        t.addColumns(method);
        for (String task : tasks) {
            t.addColumns(DoubleColumn.create(task));
        }
        DoubleColumn mean = DoubleColumn.create("mean");
        LongColumn multitask = LongColumn.create("multi-task params");
        LongColumn adaptation = LongColumn.create("adaptation params");
        DoubleColumn seconds = DoubleColumn.create("wall s");
        t.addColumns(mean, multitask, adaptation, seconds);
        threeDecimals(t, seconds);
        for (ExperimentResult r : results) {
            method.append(r.name());
            for (String task : tasks) {
                Double acc = r.accuracyPerTask().get(task);
                if (acc == null) {
                    t.doubleColumn(task).appendMissing();
                } else {
                    t.doubleColumn(task).append(acc);
                }
            }
            mean.append(r.meanAccuracy());
            multitask.append(r.trainableMultitask());
            adaptation.append(r.trainableAdaptation());
            seconds.append(Math.round(r.wallSeconds() * 10) / 10.0);
        }
        return t;
    }

    /** Accuracies print as {@code 0.898}, not {@code 0.8983050847457626}; the values keep full precision. */
    private static void threeDecimals(Table t, DoubleColumn except) {
        t.columns().stream()
                .filter(c -> c instanceof DoubleColumn && c != except)
                .forEach(c -> ((DoubleColumn) c).setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(3)));
    }
}
