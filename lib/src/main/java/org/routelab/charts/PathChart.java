package org.routelab.charts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.threeD.Scene;
import tech.tablesaw.plotly.traces.Scatter3DTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Paths in 3-D, one line with markers per entry. The static picture is an orthographic view from
 * plotly.js's default camera (eye at (1.25, 1.25, 1.25), z up), each axis scaled to the same length
 * as in plotly.js's default cube, inside the cube's edges.
 *
 * @param title the title
 * @param paths label to {@code [points][3]} (missing coordinates are 0)
 * @param axisTitles the x, y and z axis titles
 */
record PathChart(String title, Map<String, double[][]> paths, List<String> axisTitles) implements Chart {

    static final int HEIGHT_3D = 520;
    private static final double[] EYE = {1.25, 1.25, 1.25};

    PathChart {
        Objects.requireNonNull(title, "title");
        paths = new LinkedHashMap<>(paths);
        axisTitles = List.copyOf(axisTitles);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("nothing to draw: no paths");
        }
        if (axisTitles.size() != 3) {
            throw new IllegalArgumentException("3 axis titles, got " + axisTitles.size());
        }
    }

    /** The coordinates of one path as {@code [3][points]}. */
    private static double[][] columns(double[][] points) {
        double[][] xyz = new double[3][points.length];
        for (int i = 0; i < points.length; i++) {
            for (int c = 0; c < 3; c++) {
                xyz[c][i] = points[i].length > c ? points[i][c] : 0;
            }
        }
        return xyz;
    }

    @Override
    public Figure figure() {
        List<Trace> traces = new ArrayList<>();
        paths.forEach((label, points) -> {
            double[][] xyz = columns(points);
            traces.add(Scatter3DTrace.builder(xyz[0], xyz[1], xyz[2]).mode(Scatter3DTrace.Mode.LINE_AND_MARKERS)
                    .name(label).build());
        });
        Layout layout = Layout.builder().title(title).width(WIDTH).height(HEIGHT_3D)
                .scene(Scene.sceneBuilder().xAxis(Axis.builder().title(axisTitles.get(0)).build())
                        .yAxis(Axis.builder().title(axisTitles.get(1)).build())
                        .zAxis(Axis.builder().title(axisTitles.get(2)).build()).build())
                .build();
        return new Figure(layout, traces.toArray(Trace[]::new));
    }

    @Override
    public String svg() {
        List<double[][]> all = paths.values().stream().map(PathChart::columns).toList();
        double[] min = new double[3];
        double[] max = new double[3];
        for (int c = 0; c < 3; c++) {
            final int axis = c;
            min[c] = all.stream().flatMapToDouble(p -> Arrays.stream(p[axis])).filter(Double::isFinite).min().orElse(0);
            max[c] = all.stream().flatMapToDouble(p -> Arrays.stream(p[axis])).filter(Double::isFinite).max().orElse(1);
            if (max[c] == min[c]) {
                min[c] -= 1;
                max[c] += 1;
            }
        }
        View view = new View(min, max);
        boolean legend = paths.size() >= 2;
        double plotRight = WIDTH - (legend ? 175 : 35);
        Svg svg = new Svg(WIDTH, HEIGHT_3D);
        svg.text(WIDTH / 2.0, 32, title, Svg.Anchor.MIDDLE, 17);
        // the cube's 12 edges: pairs of corners that differ in one coordinate
        double cx = 35 + (plotRight - 35) / 2;
        double cy = 55 + (HEIGHT_3D - 75) / 2.0;
        double scale = Math.min(plotRight - 35, HEIGHT_3D - 75) / 3.6;
        for (int a = 0; a < 8; a++) {
            for (int bit = 0; bit < 3; bit++) {
                int b = a | (1 << bit);
                if (b != a) {
                    double[] p = view.project(corner(a));
                    double[] q = view.project(corner(b));
                    svg.line(cx + scale * p[0], cy - scale * p[1], cx + scale * q[0], cy - scale * q[1], "#ccc", 1);
                }
            }
        }
        // axis titles at the far end of the three edges that leave the lowest corner
        for (int c = 0; c < 3; c++) {
            double[] end = view.project(corner(1 << c));
            svg.text(cx + scale * end[0] * 1.12, cy - scale * end[1] * 1.12, axisTitles.get(c), Svg.Anchor.MIDDLE, 12);
        }
        int i = 0;
        for (Map.Entry<String, double[][]> path : paths.entrySet()) {
            double[][] xyz = columns(path.getValue());
            double[] px = new double[xyz[0].length];
            double[] py = new double[xyz[0].length];
            for (int p = 0; p < px.length; p++) {
                double[] s = view.project(view.normalise(xyz[0][p], xyz[1][p], xyz[2][p]));
                px[p] = cx + scale * s[0];
                py[p] = cy - scale * s[1];
            }
            String color = Svg.color(i);
            svg.polyline(px, py, color, 2);
            for (int p = 0; p < px.length; p++) {
                if (Double.isFinite(px[p]) && Double.isFinite(py[p])) {
                    svg.circle(px[p], py[p], 3, color);
                }
            }
            if (legend) {
                double ly = 67 + 20 * i;
                svg.line(plotRight + 15, ly - 4, plotRight + 45, ly - 4, color, 2)
                        .text(plotRight + 52, ly, path.getKey(), Svg.Anchor.START, 12);
            }
            i++;
        }
        return svg.end();
    }

    /** A corner of the cube [-1, 1]^3: bit c of {@code index} set means coordinate c is +1. */
    private static double[] corner(int index) {
        return new double[] {(index & 1) == 0 ? -1 : 1, (index & 2) == 0 ? -1 : 1, (index & 4) == 0 ? -1 : 1};
    }

    /** Data to the cube [-1, 1]^3, and the cube to the screen plane seen from {@link #EYE}. */
    private record View(double[] min, double[] max) {

        double[] normalise(double x, double y, double z) {
            double[] v = {x, y, z};
            for (int c = 0; c < 3; c++) {
                v[c] = 2 * (v[c] - min[c]) / (max[c] - min[c]) - 1;
            }
            return v;
        }

        /** Screen coordinates (right, up) of a point of the cube. */
        double[] project(double[] p) {
            double[] forward = unit(new double[] {-EYE[0], -EYE[1], -EYE[2]});
            double[] right = unit(cross(forward, new double[] {0, 0, 1}));
            double[] up = cross(right, forward);
            return new double[] {dot(p, right), dot(p, up)};
        }

        private static double dot(double[] a, double[] b) {
            return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        }

        private static double[] cross(double[] a, double[] b) {
            return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
        }

        private static double[] unit(double[] a) {
            double n = Math.sqrt(dot(a, a));
            return new double[] {a[0] / n, a[1] / n, a[2] / n};
        }
    }
}
