package org.routelab.experiment;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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

    /**
     * Puts results beside a paper's table: for each paper row naming a RouteLab method (column {@code
     * method}) that was run, the paper's value and ours (mean held-out accuracy, in percent), each also
     * as the difference to its own baseline row. The two benchmarks differ, so compare differences and
     * their signs rather than the values; {@code same sign} says whether a method beats the baseline in
     * both. Results the paper has no row for come last, with its columns empty.
     *
     * @param paper the paper's rows (e.g. read from {@code notebooks/data}), with a string column
     *     {@code method} and, if present, {@code paper_label}
     * @param valueColumn the paper's numeric column to compare, e.g. {@code accuracy}
     * @param ours our results, matched to the paper's rows by name
     * @param baseline the method both differences are taken to, e.g. {@code lora}
     * @return the table
     */
    public static Table beside(Table paper, String valueColumn, List<ExperimentResult> ours, String baseline) {
        Map<String, ExperimentResult> byName = new LinkedHashMap<>();
        ours.forEach(r -> byName.put(r.name(), r));
        Map<String, Double> paperValue = new LinkedHashMap<>();
        Map<String, String> paperLabel = new LinkedHashMap<>();
        tech.tablesaw.api.NumericColumn<?> values = paper.numberColumn(valueColumn);
        for (int row = 0; row < paper.rowCount(); row++) {
            String method = paper.stringColumn("method").get(row);
            if (!method.isEmpty() && !paperValue.containsKey(method)) {
                paperValue.put(method, values.isMissing(row) ? Double.NaN : values.getDouble(row));
                paperLabel.put(method, paper.columnNames().contains("paper_label")
                        ? paper.stringColumn("paper_label").get(row) : method);
            }
        }
        List<String> methods = new java.util.ArrayList<>();
        paperValue.keySet().stream().filter(byName::containsKey).forEach(methods::add);
        byName.keySet().stream().filter(m -> !methods.contains(m)).forEach(methods::add);
        double paperBase = paperValue.getOrDefault(baseline, Double.NaN);
        double ourBase = byName.containsKey(baseline) ? 100 * byName.get(baseline).meanAccuracy() : Double.NaN;

        StringColumn method = StringColumn.create("method");
        StringColumn label = StringColumn.create("paper label");
        DoubleColumn theirs = DoubleColumn.create("paper " + valueColumn);
        DoubleColumn theirsDelta = DoubleColumn.create("paper vs " + baseline);
        DoubleColumn mine = DoubleColumn.create("ours (%)");
        DoubleColumn mineDelta = DoubleColumn.create("ours vs " + baseline);
        StringColumn agree = StringColumn.create("same sign");
        for (String m : methods) {
            double p = paperValue.getOrDefault(m, Double.NaN);
            double o = 100 * byName.get(m).meanAccuracy();
            method.append(m);
            label.append(paperLabel.getOrDefault(m, ""));
            appendOrMissing(theirs, p);
            appendOrMissing(theirsDelta, p - paperBase);
            mine.append(round(o));
            appendOrMissing(mineDelta, o - ourBase);
            double dp = p - paperBase;
            double dp2 = o - ourBase;
            agree.append(m.equals(baseline) || Double.isNaN(dp) || Double.isNaN(dp2) ? ""
                    : Math.signum(dp) == Math.signum(dp2) ? "yes" : "no");
        }
        return Table.create("ours beside the paper's " + valueColumn, method, label, theirs, theirsDelta, mine,
                mineDelta, agree);
    }

    private static void appendOrMissing(DoubleColumn c, double v) {
        if (Double.isNaN(v)) {
            c.appendMissing();
        } else {
            c.append(round(v));
        }
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Accuracies print as {@code 0.898}, not {@code 0.8983050847457626}; the values keep full precision. */
    private static void threeDecimals(Table t, DoubleColumn except) {
        t.columns().stream()
                .filter(c -> c instanceof DoubleColumn && c != except)
                .forEach(c -> ((DoubleColumn) c).setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(3)));
    }
}
