package org.routelab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.experiment.Split;
import org.routelab.util.ConfigException;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The honest protocol for choosing settings ({@code ./routelab tune}): a sweep runs on the validation
 * tasks only; for each method (each value of a {@code method.name} axis, or the base's method) the point of
 * the other axes with the best validation accuracy is chosen (the first in grid order on a tie); then the
 * chosen experiments run on the test tasks and are reported beside their validation figure. Test accuracy
 * never takes part in a choice.
 */
public final class Tuning {
    private Tuning() {}

    /**
     * What a tuning found.
     *
     * @param validation the validation sweep
     * @param chosen the chosen experiment per method (on the test tasks)
     * @param test the chosen experiments on the test tasks
     * @param table a row per method: the chosen axis values, validation and test accuracy
     */
    public record Result(SweepResult validation, Map<String, ExperimentConfig> chosen, SweepResult test, Table table) {}

    /**
     * Tunes a sweep's axes per method.
     *
     * @param sweep the grid (its base's split is ignored: the grid runs on validation tasks)
     * @return the choice and its test figures
     */
    public static Result run(Sweep sweep) {
        if (sweep.axes().containsKey("split")) {
            throw new ConfigException("axes.split", "a tuning chooses on validation tasks and reports on test tasks;"
                    + " it cannot be an axis");
        }
        Sweep onValidation = Sweep.of(sweep.base().with("split", Split.VALIDATION)).copyOptions(sweep);
        for (Map.Entry<String, List<JsonNode>> axis : sweep.axes().entrySet()) {
            onValidation = onValidation.axisValues(axis.getKey(), axis.getValue(), "axes." + axis.getKey());
        }
        SweepResult validation = onValidation.name("tune on validation tasks").run();
        Table summary = validation.summary();
        List<String> axes = validation.axes();
        boolean byMethod = axes.contains("method.name");
        Map<String, Integer> best = new LinkedHashMap<>();
        Map<String, ExperimentConfig> chosen = new LinkedHashMap<>();
        // summary rows are the grid's points in order; a point's first cell carries its experiment
        Map<Map<String, JsonNode>, Cell> firstCell = new LinkedHashMap<>();
        validation.cells().forEach(c -> firstCell.putIfAbsent(c.axes(), c));
        List<Cell> points = new ArrayList<>(firstCell.values());
        for (int row = 0; row < summary.rowCount(); row++) {
            if (summary.doubleColumn("mean_accuracy").isMissing(row)) {
                continue;
            }
            String method = byMethod ? points.get(row).axes().get("method.name").asText()
                    : sweep.base().method().method().name();
            Integer current = best.get(method);
            if (current == null || summary.doubleColumn("mean_accuracy").getDouble(row)
                    > summary.doubleColumn("mean_accuracy").getDouble(current)) {
                best.put(method, row);
            }
        }
        best.forEach((method, row) -> {
            ExperimentConfig c = points.get(row).config().with("split", Split.TEST);
            chosen.put(method, sweep.seeds() == null ? c : c.with("seeds", sweep.base().seeds()));
        });
        if (chosen.isEmpty()) {
            throw new IllegalStateException("every validation cell failed; see " + validation.records().get(0).error());
        }
        SweepResult test = Sweep.over(chosen).copyOptions(sweep).name("chosen settings on test tasks").run();

        Table table = Table.create("tuning");
        StringColumn methods = StringColumn.create("method");
        table.addColumns(methods);
        Map<String, StringColumn> values = new LinkedHashMap<>();
        axes.stream().filter(a -> !a.equals("method.name")).forEach(a -> values.put(a, StringColumn.create(a)));
        values.values().forEach(table::addColumns);
        DoubleColumn onVal = DoubleColumn.create("validation_accuracy");
        DoubleColumn onTest = DoubleColumn.create("test_accuracy");
        int i = 0;
        for (Map.Entry<String, Integer> e : best.entrySet()) {
            methods.append(e.getKey());
            Cell point = points.get(e.getValue());
            values.forEach((axis, column) -> column.append(point.axes().get(axis).asText()));
            onVal.append(summary.doubleColumn("mean_accuracy").getDouble(e.getValue()));
            onTest.append(test.summary().doubleColumn("mean_accuracy").getDouble(i++));
        }
        table.addColumns(onVal, onTest);
        return new Result(validation, chosen, test, table);
    }
}
