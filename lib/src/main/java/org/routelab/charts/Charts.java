package org.routelab.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.routelab.analysis.Clustering;
import org.routelab.analysis.RoutingMaps.RouterWeights;
import org.routelab.analysis.Similarity;
import org.routelab.experiment.AdaptationCurve;
import org.routelab.experiment.ExperimentResult;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Line;
import tech.tablesaw.plotly.components.Margin;
import tech.tablesaw.plotly.components.threeD.Scene;
import tech.tablesaw.plotly.traces.HeatmapTrace;
import tech.tablesaw.plotly.traces.Scatter3DTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * The notebooks' charts, as tablesaw-jsplot figures (the kernel draws them with plotly.js, offline):
 * training curves, routing maps, similarity heatmaps, dendrograms, accuracy against parameters and
 * 3-D trajectories. Each takes results or analyses and returns a {@link Figure}, the last expression
 * of a cell.
 */
public final class Charts {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 420;

    private Charts() {}

    /**
     * Multi-task training loss against the step, one line per result, smoothed by a trailing moving
     * average (the raw per-batch loss is noisy).
     *
     * @param results the experiments (those without multi-task training are left out)
     * @param window steps averaged (1: no smoothing)
     * @return the chart
     */
    public static Figure multitaskLosses(List<ExperimentResult> results, int window) {
        List<Trace> traces = new ArrayList<>();
        for (ExperimentResult r : results) {
            List<Float> losses = r.multitaskLosses();
            if (!losses.isEmpty()) {
                traces.add(line(r.name(), steps(losses.size()), movingAverage(losses, window)));
            }
        }
        return figure(layout("multi-task training loss" + (window > 1 ? " (moving average of " + window + " steps)" : ""),
                "step", "loss"), traces);
    }

    /**
     * Few-shot adaptation loss against the step, averaged over held-out tasks and seeds, one line per
     * result.
     *
     * @param results the experiments
     * @return the chart
     */
    public static Figure adaptationLosses(List<ExperimentResult> results) {
        List<Trace> traces = new ArrayList<>();
        for (ExperimentResult r : results) {
            int steps = r.adaptation().stream().mapToInt(c -> c.losses().size()).min().orElse(0);
            if (steps == 0) {
                continue;
            }
            double[] mean = new double[steps];
            for (AdaptationCurve c : r.adaptation()) {
                for (int s = 0; s < steps; s++) {
                    mean[s] += c.losses().get(s) / r.adaptation().size();
                }
            }
            traces.add(line(r.name(), steps(steps), mean));
        }
        return figure(layout("few-shot adaptation loss (mean over held-out tasks and seeds)", "step", "loss"), traces);
    }

    /**
     * Mean held-out accuracy against the number of parameters trained per new task, one labelled
     * point per result, parameters on a log scale: the papers' parameter-efficiency plots.
     *
     * @param results the experiments
     * @return the chart
     */
    public static Figure accuracyVsParameters(List<ExperimentResult> results) {
        return scatter("held-out accuracy against parameters trained per new task",
                "adaptation parameters (log scale)", "mean accuracy (%)",
                results.stream().map(ExperimentResult::name).toList(),
                results.stream().mapToDouble(ExperimentResult::trainableAdaptation).toArray(),
                results.stream().mapToDouble(r -> 100 * r.meanAccuracy()).toArray(), true);
    }

    /**
     * Labelled points.
     *
     * @param title the title
     * @param xTitle the x axis title
     * @param yTitle the y axis title
     * @param labels one label per point
     * @param x the x values
     * @param y the y values
     * @param logX whether the x axis is logarithmic
     * @return the chart
     */
    public static Figure scatter(String title, String xTitle, String yTitle, List<String> labels, double[] x,
            double[] y, boolean logX) {
        if (labels.size() != x.length || x.length != y.length) {
            throw new IllegalArgumentException(labels.size() + " labels for " + x.length + " x and " + y.length
                    + " y values");
        }
        Trace points = ScatterTrace.builder(x, y).mode(ScatterTrace.Mode.TEXT_AND_MARKERS)
                .text(labels.toArray(String[]::new)).build();
        Layout layout = Layout.builder().title(title).width(WIDTH).height(HEIGHT).showLegend(false)
                .xAxis(Axis.builder().title(xTitle).type(logX ? Axis.Type.LOG : Axis.Type.LINEAR).build())
                .yAxis(Axis.builder().title(yTitle).build()).build();
        return new Figure(layout, points);
    }

    /**
     * A heatmap with labelled rows and columns, first row at the top.
     *
     * @param title the title
     * @param columns the column labels (must be distinct)
     * @param rows the row labels (must be distinct)
     * @param values {@code [rows][columns]}
     * @return the chart
     */
    public static Figure heatmap(String title, List<String> columns, List<String> rows, double[][] values) {
        if (values.length != rows.size() || (values.length > 0 && values[0].length != columns.size())) {
            throw new IllegalArgumentException("values must be [" + rows.size() + " rows][" + columns.size()
                    + " columns]");
        }
        Trace trace = HeatmapTrace.builder(columns.toArray(), rows.toArray(), values).build();
        int left = Math.min(260, 40 + 7 * rows.stream().mapToInt(String::length).max().orElse(0));
        Layout layout = Layout.builder().title(title).width(WIDTH)
                .height(Math.max(HEIGHT, Math.min(1400, 120 + 16 * rows.size())))
                .margin(Margin.builder().left(left).bottom(80).top(60).right(40).build())
                .xAxis(Axis.builder().type(Axis.Type.CATEGORY).build())
                .yAxis(Axis.builder().type(Axis.Type.CATEGORY).autoRange(Axis.AutoRange.REVERSED).build()).build();
        return new Figure(layout, trace);
    }

    /**
     * One task's routing in every layer (the TensorPoly paper's routing maps): layers down, experts
     * across, the weight each layer's router gives each expert (mean over MHR heads or tensor orders).
     *
     * @param title the title
     * @param routers the routers, e.g. from {@code RoutingMaps.taskRouters}
     * @param task the task (its training-task id)
     * @return the chart
     */
    public static Figure routingMap(String title, List<RouterWeights> routers, int task) {
        List<String> experts = new ArrayList<>();
        for (int e = 0; e < routers.get(0).experts(); e++) {
            experts.add("expert " + e);
        }
        List<String> layers = routers.stream().map(RouterWeights::label).toList();
        return heatmap(title, experts, layers, org.routelab.analysis.RoutingMaps.layerMap(routers, task));
    }

    /**
     * A similarity matrix as a heatmap, labels on both axes.
     *
     * @param title the title
     * @param similarity the similarities
     * @return the chart
     */
    public static Figure similarity(String title, Similarity similarity) {
        return heatmap(title, similarity.labels(), similarity.labels(), similarity.matrix());
    }

    /**
     * A dendrogram: leaves along the x axis in the tree's drawing order, each merge an inverted U at
     * its height (the average cosine distance between the merged clusters).
     *
     * @param title the title
     * @param clustering the tree
     * @return the chart
     */
    public static Figure dendrogram(String title, Clustering clustering) {
        int n = clustering.labels().size();
        List<Integer> order = clustering.leafOrder();
        double[] x = new double[n + clustering.merges().size()];
        double[] height = new double[x.length];
        for (int i = 0; i < n; i++) {
            x[order.get(i)] = i;
        }
        List<Trace> traces = new ArrayList<>();
        Line blue = Line.builder().color("#1f77b4").width(1.5).build();
        for (int m = 0; m < clustering.merges().size(); m++) {
            Clustering.Merge merge = clustering.merges().get(m);
            int id = n + m;
            x[id] = (x[merge.left()] + x[merge.right()]) / 2;
            height[id] = merge.height();
            // an inverted U: left foot, left top, right top, right foot
            double[] ux = {x[merge.left()], x[merge.left()], x[merge.right()], x[merge.right()]};
            double[] uy = {height[merge.left()], merge.height(), merge.height(), height[merge.right()]};
            traces.add(ScatterTrace.builder(ux, uy).mode(ScatterTrace.Mode.LINE).line(blue).showLegend(false).build());
        }
        double[] leafX = new double[n];
        double[] leafY = new double[n];
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            leafX[i] = i;
            labels[i] = clustering.labels().get(order.get(i));
        }
        traces.add(ScatterTrace.builder(leafX, leafY).mode(ScatterTrace.Mode.TEXT_AND_MARKERS).text(labels)
                .showLegend(false).build());
        Layout layout = Layout.builder().title(title).width(WIDTH).height(HEIGHT).showLegend(false)
                .xAxis(Axis.builder().showGrid(false).visible(false).build())
                .yAxis(Axis.builder().title("cosine distance (average linkage)").build()).build();
        return figure(layout, traces);
    }

    /**
     * Paths in 3-D, one line per entry, e.g. routers' trajectories on their principal components.
     *
     * @param title the title
     * @param paths label to {@code [points][3]}
     * @return the chart
     */
    public static Figure paths3d(String title, Map<String, double[][]> paths) {
        List<Trace> traces = new ArrayList<>();
        paths.forEach((label, points) -> {
            double[][] xyz = new double[3][points.length];
            for (int i = 0; i < points.length; i++) {
                for (int c = 0; c < 3; c++) {
                    xyz[c][i] = points[i].length > c ? points[i][c] : 0;
                }
            }
            traces.add(Scatter3DTrace.builder(xyz[0], xyz[1], xyz[2]).mode(Scatter3DTrace.Mode.LINE_AND_MARKERS)
                    .name(label).build());
        });
        Layout layout = Layout.builder().title(title).width(WIDTH).height(520)
                .scene(Scene.sceneBuilder().xAxis(Axis.builder().title("PC 1").build())
                        .yAxis(Axis.builder().title("PC 2").build()).zAxis(Axis.builder().title("PC 3").build()).build())
                .build();
        return figure(layout, traces);
    }

    private static Trace line(String name, double[] x, double[] y) {
        return ScatterTrace.builder(x, y).mode(ScatterTrace.Mode.LINE).name(name).build();
    }

    private static Layout layout(String title, String xTitle, String yTitle) {
        return Layout.builder().title(title).width(WIDTH).height(HEIGHT)
                .xAxis(Axis.builder().title(xTitle).build()).yAxis(Axis.builder().title(yTitle).build()).build();
    }

    private static Figure figure(Layout layout, List<Trace> traces) {
        if (traces.isEmpty()) {
            throw new IllegalArgumentException("nothing to draw: no result has the curve");
        }
        return new Figure(layout, traces.toArray(Trace[]::new));
    }

    private static double[] steps(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    /** Mean of the last {@code window} values at each step (fewer at the start). */
    static double[] movingAverage(List<Float> values, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        double[] out = new double[values.size()];
        double sum = 0;
        for (int i = 0; i < values.size(); i++) {
            sum += values.get(i);
            if (i >= window) {
                sum -= values.get(i - window);
            }
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }
}
