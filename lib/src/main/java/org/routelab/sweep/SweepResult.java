package org.routelab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.eval.SeedAggregate;
import org.routelab.analysis.AdapterWeights;
import org.routelab.analysis.GradientAlignment;
import org.routelab.experiment.ExperimentResult;
import org.routelab.notebook.NotebookRenderable;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * A finished sweep: every cell's record in grid order, and the table they make. The table has a row per
 * cell: a column per axis (named by its path; numbers stay numbers), {@code seed} when the sweep has a seed
 * axis, {@code status}, {@code mean_accuracy} (the papers' figure for the cell), the held-out accuracy of
 * each task (median over the cell's seeds), the trained parameter counts and the error of a failed cell.
 * Wall times stay in the records: the table holds only what the experiments computed, so the same sweep
 * gives the same table wherever it runs. In a notebook it shows as that table.
 *
 * @param axes the axis paths
 * @param seeded whether the sweep has a seed axis
 * @param cells the cells, in grid order
 * @param records each cell's record, in the same order
 * @param table the table
 */
public record SweepResult(List<String> axes, boolean seeded, List<Cell> cells, List<CellRecord> records, Table table)
        implements NotebookRenderable {

    /** Reads every cell's record from the store and makes the table. */
    static SweepResult gather(Sweep sweep, List<Cell> cells, SweepStore store) {
        List<CellRecord> records = new ArrayList<>();
        for (Cell c : cells) {
            records.add(store.read(c.key()).orElseThrow(() -> new IllegalStateException(
                    "the sweep finished without a record of cell " + c.key() + " " + c.axes() + " in " + store.folder())));
        }
        List<String> axes = List.copyOf(sweep.axes().keySet());
        boolean seeded = sweep.seeds() != null;
        return new SweepResult(axes, seeded, List.copyOf(cells), List.copyOf(records),
                table(axes, seeded, cells, records));
    }

    private static Table table(List<String> axes, boolean seeded, List<Cell> cells, List<CellRecord> records) {
        Table t = Table.create("sweep");
        for (String axis : axes) {
            t.addColumns(axisColumn(axis, cells.stream().map(c -> c.axes().get(axis)).toList()));
        }
        if (seeded) {
            IntColumn seed = IntColumn.create("seed");
            cells.forEach(c -> seed.append(c.seed()));
            t.addColumns(seed);
        }
        StringColumn status = StringColumn.create("status");
        DoubleColumn mean = DoubleColumn.create("mean_accuracy");
        Set<String> tasks = new LinkedHashSet<>();
        records.forEach(r -> tasks.addAll(r.accuracy().keySet()));
        Map<String, DoubleColumn> perTask = new LinkedHashMap<>();
        tasks.forEach(task -> perTask.put(task, DoubleColumn.create(task)));
        LongColumn multitask = LongColumn.create("trainable_multitask");
        LongColumn adaptation = LongColumn.create("trainable_adaptation");
        StringColumn error = StringColumn.create("error");
        for (CellRecord r : records) {
            status.append(r.status());
            if (r.meanAccuracy() == null) {
                mean.appendMissing();
            } else {
                mean.append(r.meanAccuracy());
            }
            perTask.forEach((task, column) -> {
                Map<String, Double> bySeed = r.accuracy().get(task);
                if (bySeed == null) {
                    column.appendMissing();
                } else {
                    column.append(SeedAggregate.median(new ArrayList<>(bySeed.values())));
                }
            });
            multitask.append(r.trainableMultitask());
            adaptation.append(r.trainableAdaptation());
            error.append(r.error() == null ? "" : r.error());
        }
        t.addColumns(status, mean);
        perTask.values().forEach(t::addColumns);
        t.addColumns(multitask, adaptation, error);
        return t;
    }

    /** Numbers stay numbers; anything else is its text (strings as they are, lists and objects as JSON). */
    private static Column<?> axisColumn(String name, List<JsonNode> values) {
        if (values.stream().allMatch(JsonNode::isNumber)) {
            DoubleColumn c = DoubleColumn.create(name);
            values.forEach(v -> c.append(v.asDouble()));
            return c;
        }
        StringColumn c = StringColumn.create(name);
        values.forEach(v -> c.append(v.isTextual() ? v.asText() : v.toString()));
        return c;
    }

    /**
     * Returns the papers' figure per point of the axes: the seeds of a point pooled (median over seeds per
     * task, then the mean over tasks), with the number of cells that failed there. Without a seed axis
     * every cell is its own point.
     *
     * @return a row per point of the axes: the axis columns, {@code mean_accuracy}, {@code failed_cells}
     */
    public Table summary() {
        Map<Map<String, JsonNode>, List<Integer>> points = new LinkedHashMap<>();
        for (int i = 0; i < cells.size(); i++) {
            points.computeIfAbsent(cells.get(i).axes(), k -> new ArrayList<>()).add(i);
        }
        List<Cell> firsts = new ArrayList<>();
        DoubleColumn mean = DoubleColumn.create("mean_accuracy");
        IntColumn failed = IntColumn.create("failed_cells");
        for (List<Integer> members : points.values()) {
            firsts.add(cells.get(members.get(0)));
            SeedAggregate pooled = new SeedAggregate();
            int bad = 0;
            for (int i : members) {
                CellRecord r = records.get(i);
                if (!r.ok()) {
                    bad++;
                    continue;
                }
                r.accuracy().forEach((task, bySeed) -> bySeed.forEach((seed, acc) ->
                        pooled.add(task, Integer.parseInt(seed), acc)));
            }
            if (bad == members.size()) {
                mean.appendMissing();
            } else {
                mean.append(pooled.meanOfMedians());
            }
            failed.append(bad);
        }
        Table t = Table.create("sweep summary");
        for (String axis : axes) {
            t.addColumns(axisColumn(axis, firsts.stream().map(c -> c.axes().get(axis)).toList()));
        }
        return t.addColumns(mean, failed);
    }

    /**
     * Returns the finished cells as experiment results, for the tables and charts that take them ({@code
     * ResultTables.comparison}, {@code Charts.accuracyVsParameters}): named after the experiment's name, or
     * else its axis values and seed; with scores, parameter counts, multi-task losses and wall time, but
     * no adaptation curves or weights (a store keeps none).
     *
     * @return a result per finished cell, in grid order
     */
    public List<ExperimentResult> experiments() {
        List<ExperimentResult> out = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            CellRecord r = records.get(i);
            if (!r.ok()) {
                continue;
            }
            Cell c = cells.get(i);
            SeedAggregate scores = new SeedAggregate();
            Set<Integer> seeds = new LinkedHashSet<>();
            r.accuracy().forEach((task, bySeed) -> bySeed.forEach((seed, acc) -> {
                scores.add(task, Integer.parseInt(seed), acc);
                seeds.add(Integer.parseInt(seed));
            }));
            out.add(new ExperimentResult(label(c), r.method(), scores, List.copyOf(seeds), r.trainableMultitask(),
                    r.trainableAdaptation(), r.multitaskLosses(), List.of(), r.wallSeconds(), AdapterWeights.EMPTY,
                    List.of(), GradientAlignment.NONE));
        }
        return out;
    }

    private static String label(Cell c) {
        if (c.config().name() != null) {
            return c.config().name();
        }
        List<String> parts = new ArrayList<>();
        c.axes().forEach((axis, v) -> parts.add(axis.equals(Sweep.CONFIG_AXIS) ? v.asText()
                : axis + "=" + (v.isTextual() ? v.asText() : v.toString())));
        if (c.seed() != null) {
            parts.add("seed=" + c.seed());
        }
        return parts.isEmpty() ? c.config().method().method().name() : String.join(", ", parts);
    }

    /** Returns the cells whose every attempt failed. */
    public List<CellRecord> failures() {
        return records.stream().filter(r -> !r.ok()).toList();
    }

    /** Shows the table. */
    @Override
    public List<Object> notebookParts() {
        return List.of(table);
    }
}
