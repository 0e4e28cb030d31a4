package org.routelab.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Line;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Lines and labelled points on two numeric axes: training curves, accuracy against parameters,
 * dendrograms.
 *
 * @param title the title
 * @param x the horizontal axis
 * @param y the vertical axis
 * @param series what is drawn, in order
 * @param legend whether a legend names the series (shown, as plotly.js does, when there are two or more)
 */
record XyChart(String title, Scale x, Scale y, List<Series> series, boolean legend) implements Chart {

    /**
     * An axis.
     *
     * @param title its title ("" for none)
     * @param log whether it is logarithmic
     * @param visible whether ticks, grid and title are drawn
     */
    record Scale(String title, boolean log, boolean visible) {
        static Scale linear(String title) {
            return new Scale(title, false, true);
        }
    }

    /** How a series is drawn. */
    enum Style {
        LINES, MARKERS_AND_TEXT
    }

    /**
     * One trace.
     *
     * @param name its legend name, or null
     * @param x the x values
     * @param y the y values, as many
     * @param style lines, or markers with a text label each
     * @param labels one label per point for {@link Style#MARKERS_AND_TEXT}, else empty
     * @param color a CSS colour, or null for the default sequence
     */
    record Series(String name, double[] x, double[] y, Style style, List<String> labels, String color) {
        Series {
            if (x.length != y.length || (!labels.isEmpty() && labels.size() != x.length)) {
                throw new IllegalArgumentException(x.length + " x values, " + y.length + " y values and " + labels.size()
                        + " labels");
            }
            labels = List.copyOf(labels);
        }
    }

    XyChart {
        Objects.requireNonNull(title, "title");
        series = List.copyOf(series);
        if (series.isEmpty()) {
            throw new IllegalArgumentException("nothing to draw: no result has the curve");
        }
    }

    @Override
    public Figure figure() {
        List<Trace> traces = new ArrayList<>();
        for (Series s : series) {
            ScatterTrace.ScatterBuilder b = ScatterTrace.builder(s.x(), s.y())
                    .mode(s.style() == Style.LINES ? ScatterTrace.Mode.LINE : ScatterTrace.Mode.TEXT_AND_MARKERS);
            if (s.name() != null) {
                b.name(s.name());
            }
            if (!s.labels().isEmpty()) {
                b.text(s.labels().toArray(String[]::new));
            }
            if (s.color() != null) {
                b.line(Line.builder().color(s.color()).width(1.5).build());
            }
            if (!legend) {
                b.showLegend(false);
            }
            traces.add(b.build());
        }
        Layout.LayoutBuilder layout = Layout.builder().title(title).width(WIDTH).height(HEIGHT)
                .xAxis(axis(x)).yAxis(axis(y));
        if (!legend) {
            layout.showLegend(false);
        }
        return new Figure(layout.build(), traces.toArray(Trace[]::new));
    }

    private static Axis axis(Scale s) {
        Axis.AxisBuilder b = Axis.builder().title(s.title()).type(s.log() ? Axis.Type.LOG : Axis.Type.LINEAR);
        return s.visible() ? b.build() : b.showGrid(false).visible(false).build();
    }

    @Override
    public String svg() {
        boolean showLegend = legend && series.size() >= 2;
        double left = y.visible() ? 75 : 30;
        double top = 55;
        double right = WIDTH - (showLegend ? 175 : 35);
        double bottom = HEIGHT - (x.visible() ? 55 : 35);
        boolean markers = series.stream().anyMatch(s -> s.style() == Style.MARKERS_AND_TEXT);
        double[] xr = range(series.stream().map(Series::x).toList(), x.log(), markers);
        double[] yr = range(series.stream().map(Series::y).toList(), y.log(), markers);
        Svg svg = new Svg(WIDTH, HEIGHT);
        svg.text(WIDTH / 2.0, 32, title, Svg.Anchor.MIDDLE, 17);
        Ticks xt = ticks(xr, x.log(), 7);
        Ticks yt = ticks(yr, y.log(), 6);
        if (x.visible()) {
            for (int i = 0; i < xt.values().length; i++) {
                double px = map(xt.values()[i], xr, x.log(), left, right);
                svg.line(px, top, px, bottom, Svg.GRID, 1).text(px, bottom + 16, xt.labels().get(i), Svg.Anchor.MIDDLE, 11);
            }
            svg.text((left + right) / 2, HEIGHT - 14, x.title(), Svg.Anchor.MIDDLE, 13);
        }
        if (y.visible()) {
            for (int i = 0; i < yt.values().length; i++) {
                double py = map(yt.values()[i], yr, y.log(), bottom, top);
                svg.line(left, py, right, py, Svg.GRID, 1).text(left - 6, py + 4, yt.labels().get(i), Svg.Anchor.END, 11);
            }
            svg.text(18, (top + bottom) / 2, y.title(), Svg.Anchor.MIDDLE, 13, -90);
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = s.color() != null ? s.color() : Svg.color(i);
            double[] px = new double[s.x().length];
            double[] py = new double[s.y().length];
            for (int p = 0; p < px.length; p++) {
                px[p] = map(s.x()[p], xr, x.log(), left, right);
                py[p] = map(s.y()[p], yr, y.log(), bottom, top);
            }
            if (s.style() == Style.LINES) {
                svg.polyline(px, py, color, 2);
                continue;
            }
            // without an x axis (dendrograms) the labels go below their points, where its ticks would be
            double labelOffset = x.visible() ? -8 : 16;
            for (int p = 0; p < px.length; p++) {
                if (Double.isFinite(px[p]) && Double.isFinite(py[p])) {
                    svg.circle(px[p], py[p], 4, color);
                    if (!s.labels().isEmpty()) {
                        svg.text(px[p], py[p] + labelOffset, s.labels().get(p), Svg.Anchor.MIDDLE, 11);
                    }
                }
            }
        }
        if (showLegend) {
            for (int i = 0; i < series.size(); i++) {
                double ly = top + 12 + 20 * i;
                String color = series.get(i).color() != null ? series.get(i).color() : Svg.color(i);
                svg.line(right + 15, ly - 4, right + 45, ly - 4, color, 2)
                        .text(right + 52, ly, Objects.toString(series.get(i).name(), "trace " + i), Svg.Anchor.START, 12);
            }
        }
        return svg.end();
    }

    /** [min, max] of the drawable values (in log10 on a log axis), padded by 5% when points carry markers. */
    private static double[] range(List<double[]> values, boolean log, boolean pad) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] vs : values) {
            for (double v : vs) {
                double t = log ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
                if (Double.isFinite(t)) {
                    min = Math.min(min, t);
                    max = Math.max(max, t);
                }
            }
        }
        if (min > max) {
            return new double[] {0, 1};
        }
        if (min == max) {
            return new double[] {min - 1, max + 1};
        }
        double margin = pad ? 0.05 * (max - min) : 0;
        return new double[] {min - margin, max + margin};
    }

    private static Ticks ticks(double[] range, boolean log, int target) {
        return log ? Ticks.log(Math.pow(10, range[0]), Math.pow(10, range[1])) : Ticks.linear(range[0], range[1], target);
    }

    /** A data value's pixel position between {@code from} (at range[0]) and {@code to}; NaN if not drawable. */
    private static double map(double v, double[] range, boolean log, double from, double to) {
        double t = log ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
        return from + (t - range[0]) / (range[1] - range[0]) * (to - from);
    }
}
