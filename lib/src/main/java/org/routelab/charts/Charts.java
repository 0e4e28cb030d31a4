package org.routelab.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.routelab.analysis.Clustering;
import org.routelab.analysis.GradientAlignment;
import org.routelab.analysis.RoutingMaps.RouterWeights;
import org.routelab.analysis.Similarity;
import org.routelab.analysis.TransferMatrix;
import org.routelab.experiment.AdaptationCurve;
import org.routelab.experiment.ExperimentResult;
import org.routelab.charts.XyChart.Scale;
import org.routelab.charts.XyChart.Series;
import org.routelab.charts.XyChart.Style;

/**
 * The notebooks' charts: training curves, routing maps, similarity heatmaps, dendrograms, accuracy
 * against parameters and 3-D trajectories. Each takes results or analyses and returns a {@link Chart},
 * the last expression of a cell: the kernel draws it with plotly.js (offline) and puts a static SVG
 * picture of it beside, for where scripts do not run.
 */
public final class Charts {

    private Charts() {}

    /**
     * Multi-task training loss against the step, one line per result, smoothed by a trailing moving
     * average (the raw per-batch loss is noisy).
     *
     * @param results the experiments (those without multi-task training are left out)
     * @param window steps averaged (1: no smoothing)
     * @return the chart
     */
    public static Chart multitaskLosses(List<ExperimentResult> results, int window) {
        List<Series> lines = new ArrayList<>();
        for (ExperimentResult r : results) {
            List<Float> losses = r.multitaskLosses();
            if (!losses.isEmpty()) {
                lines.add(line(r.name(), steps(losses.size()), movingAverage(losses, window)));
            }
        }
        return lines("multi-task training loss" + (window > 1 ? " (moving average of " + window + " steps)" : ""),
                "step", "loss", lines);
    }

    /**
     * Few-shot adaptation loss against the step, averaged over held-out tasks and seeds, one line per
     * result.
     *
     * @param results the experiments
     * @return the chart
     */
    public static Chart adaptationLosses(List<ExperimentResult> results) {
        List<Series> lines = new ArrayList<>();
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
            lines.add(line(r.name(), steps(steps), mean));
        }
        return lines("few-shot adaptation loss (mean over held-out tasks and seeds)", "step", "loss", lines);
    }

    /**
     * Gradient alignment during multi-task training against the step, one line per result: the
     * cosine similarity between training tasks' gradients on the adapter parameters, averaged over
     * task pairs (the MHR paper's Fig. 3, left).
     *
     * @param results the experiments (those that did not measure it are left out)
     * @return the chart
     */
    public static Chart gradientAlignment(List<ExperimentResult> results) {
        List<Series> lines = new ArrayList<>();
        for (ExperimentResult r : results) {
            GradientAlignment a = r.gradientAlignment();
            if (!a.isEmpty()) {
                lines.add(line(r.name(), a.steps().stream().mapToDouble(Integer::doubleValue).toArray(),
                        a.meanOverPairs()));
            }
        }
        return lines("gradient alignment between training tasks (mean cosine over task pairs)", "step",
                "cosine similarity", lines);
    }

    /**
     * Mean held-out accuracy against the number of parameters trained per new task, one labelled
     * point per result, parameters on a log scale: the papers' parameter-efficiency plots.
     *
     * @param results the experiments
     * @return the chart
     */
    public static Chart accuracyVsParameters(List<ExperimentResult> results) {
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
    public static Chart scatter(String title, String xTitle, String yTitle, List<String> labels, double[] x,
            double[] y, boolean logX) {
        Series points = new Series(null, x, y, Style.MARKERS_AND_TEXT, labels, null);
        return new XyChart(title, new Scale(xTitle, logX, true), Scale.linear(yTitle), List.of(points), false);
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
    public static Chart heatmap(String title, List<String> columns, List<String> rows, double[][] values) {
        return new HeatmapChart(title, columns, rows, values);
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
    public static Chart routingMap(String title, List<RouterWeights> routers, int task) {
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
    public static Chart similarity(String title, Similarity similarity) {
        return heatmap(title, similarity.labels(), similarity.labels(), similarity.matrix());
    }

    /**
     * Transfer between tasks as a heatmap: rows are the routing task, columns the evaluated task.
     *
     * @param title the title
     * @param transfer the accuracies
     * @return the chart
     */
    public static Chart transfer(String title, TransferMatrix transfer) {
        List<String> columns = transfer.tasks().stream().map(t -> "on " + t).toList();
        List<String> rows = transfer.tasks().stream().map(t -> "routed as " + t).toList();
        return heatmap(title, columns, rows, transfer.accuracy());
    }

    /**
     * A dendrogram: leaves along the x axis in the tree's drawing order, each merge an inverted U at
     * its height (the average cosine distance between the merged clusters).
     *
     * @param title the title
     * @param clustering the tree
     * @return the chart
     */
    public static Chart dendrogram(String title, Clustering clustering) {
        int n = clustering.labels().size();
        List<Integer> order = clustering.leafOrder();
        double[] x = new double[n + clustering.merges().size()];
        double[] height = new double[x.length];
        for (int i = 0; i < n; i++) {
            x[order.get(i)] = i;
        }
        List<Series> shapes = new ArrayList<>();
        for (int m = 0; m < clustering.merges().size(); m++) {
            Clustering.Merge merge = clustering.merges().get(m);
            int id = n + m;
            x[id] = (x[merge.left()] + x[merge.right()]) / 2;
            height[id] = merge.height();
            // an inverted U: left foot, left top, right top, right foot
            double[] ux = {x[merge.left()], x[merge.left()], x[merge.right()], x[merge.right()]};
            double[] uy = {height[merge.left()], merge.height(), merge.height(), height[merge.right()]};
            shapes.add(new Series(null, ux, uy, Style.LINES, List.of(), "#1f77b4"));
        }
        double[] leafX = new double[n];
        double[] leafY = new double[n];
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leafX[i] = i;
            labels.add(clustering.labels().get(order.get(i)));
        }
        shapes.add(new Series(null, leafX, leafY, Style.MARKERS_AND_TEXT, labels, null));
        return new XyChart(title, new Scale("", false, false), Scale.linear("cosine distance (average linkage)"), shapes,
                false);
    }

    /**
     * Paths in 3-D, one line per entry, e.g. routers' trajectories on their principal components.
     *
     * @param title the title
     * @param paths label to {@code [points][3]}
     * @return the chart
     */
    public static Chart paths3d(String title, Map<String, double[][]> paths) {
        return new PathChart(title, paths, List.of("PC 1", "PC 2", "PC 3"));
    }

    private static Series line(String name, double[] x, double[] y) {
        return new Series(name, x, y, Style.LINES, List.of(), null);
    }

    private static Chart lines(String title, String xTitle, String yTitle, List<Series> lines) {
        return new XyChart(title, Scale.linear(xTitle), Scale.linear(yTitle), lines, true);
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
