package org.routelab.charts;

import java.util.List;
import java.util.Objects;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Margin;
import tech.tablesaw.plotly.traces.HeatmapTrace;

/**
 * A matrix of values as coloured cells with labelled rows and columns, first row at the top, in
 * plotly.js's default heatmap colours (RdBu: low values blue, high values red).
 *
 * @param title the title
 * @param columns the column labels (distinct)
 * @param rows the row labels (distinct)
 * @param values {@code [rows][columns]}; non-finite cells are left blank
 */
record HeatmapChart(String title, List<String> columns, List<String> rows, double[][] values) implements Chart {

    /** plotly.js's RdBu colour scale: stops (fraction of the value range) and their colours. */
    private static final double[] STOPS = {0, 0.35, 0.5, 0.6, 0.7, 1};
    private static final int[][] RGB = {{5, 10, 172}, {106, 137, 247}, {190, 190, 190}, {220, 170, 132}, {230, 145, 90},
        {178, 10, 28}};

    HeatmapChart {
        Objects.requireNonNull(title, "title");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        if (values.length != rows.size() || (values.length > 0 && values[0].length != columns.size())) {
            throw new IllegalArgumentException("values must be [" + rows.size() + " rows][" + columns.size()
                    + " columns]");
        }
    }

    /** Leaves room for the longest row label, up to 260 pixels. */
    int leftMargin() {
        return Math.min(260, 40 + 7 * rows.stream().mapToInt(String::length).max().orElse(0));
    }

    /** Taller for many rows: 16 pixels a row, between 420 and 1400 pixels. */
    int height() {
        return Math.max(HEIGHT, Math.min(1400, 120 + 16 * rows.size()));
    }

    @Override
    public Figure figure() {
        HeatmapTrace trace = HeatmapTrace.builder(columns.toArray(), rows.toArray(), values).build();
        Layout layout = Layout.builder().title(title).width(WIDTH).height(height())
                .margin(Margin.builder().left(leftMargin()).bottom(80).top(60).right(40).build())
                .xAxis(Axis.builder().type(Axis.Type.CATEGORY).build())
                .yAxis(Axis.builder().type(Axis.Type.CATEGORY).autoRange(Axis.AutoRange.REVERSED).build()).build();
        return new Figure(layout, trace);
    }

    @Override
    public String svg() {
        int height = height();
        double left = leftMargin();
        double top = 60;
        double right = WIDTH - 110; // the colour bar and its labels take the rest
        double bottom = height - 80;
        double[] range = valueRange();
        Svg svg = new Svg(WIDTH, height);
        svg.text(WIDTH / 2.0, 32, title, Svg.Anchor.MIDDLE, 17);
        double cellW = (right - left) / Math.max(1, columns.size());
        double cellH = (bottom - top) / Math.max(1, rows.size());
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                double v = values[r][c];
                if (Double.isFinite(v)) {
                    // a hair wider than the cell, so that neighbours leave no seam
                    svg.rect(left + c * cellW, top + r * cellH, cellW + 0.3, cellH + 0.3, color(v, range));
                }
            }
        }
        int rowStep = (int) Math.ceil(12 / cellH);
        for (int r = 0; r < rows.size(); r += rowStep) {
            svg.text(left - 6, top + (r + 0.5) * cellH + 4, rows.get(r), Svg.Anchor.END, 11);
        }
        int longest = columns.stream().mapToInt(String::length).max().orElse(0);
        boolean turned = longest * 6.5 > cellW;
        int columnStep = (int) Math.ceil((turned ? 14 : longest * 6.5 + 6) / cellW);
        for (int c = 0; c < columns.size(); c += columnStep) {
            double x = left + (c + 0.5) * cellW;
            if (turned) {
                svg.text(x + 4, bottom + 12, columns.get(c), Svg.Anchor.END, 11, -45);
            } else {
                svg.text(x, bottom + 16, columns.get(c), Svg.Anchor.MIDDLE, 11);
            }
        }
        String[] bar = new String[11];
        for (int i = 0; i < bar.length; i++) {
            bar[i] = color(range[0] + (range[1] - range[0]) * i / (bar.length - 1), range);
        }
        double barX = right + 25;
        svg.verticalGradient("rdbu", barX, top, 18, bottom - top, bar);
        Ticks ticks = Ticks.linear(range[0], range[1], 5);
        for (int i = 0; i < ticks.values().length; i++) {
            double y = bottom - (ticks.values()[i] - range[0]) / (range[1] - range[0]) * (bottom - top);
            svg.text(barX + 24, y + 4, ticks.labels().get(i), Svg.Anchor.START, 11);
        }
        return svg.end();
    }

    /** [min, max] of the finite values; a constant matrix gets a unit-wide range. */
    private double[] valueRange() {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            return new double[] {0, 1};
        }
        return min == max ? new double[] {min - 0.5, max + 0.5} : new double[] {min, max};
    }

    /** The colour of a value: linear between the scale's stops. */
    static String color(double v, double[] range) {
        double t = Math.max(0, Math.min(1, (v - range[0]) / (range[1] - range[0])));
        int i = 1;
        while (i < STOPS.length - 1 && t > STOPS[i]) {
            i++;
        }
        double f = (t - STOPS[i - 1]) / (STOPS[i] - STOPS[i - 1]);
        int[] rgb = new int[3];
        for (int k = 0; k < 3; k++) {
            rgb[k] = (int) Math.round(RGB[i - 1][k] + f * (RGB[i][k] - RGB[i - 1][k]));
        }
        return String.format("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    }
}
