package org.routelab.charts;

import java.util.Locale;

/**
 * Writes an SVG document element by element: the drawing primitives the static charts need, in
 * plotly.js's default look (Open Sans or a sans-serif fallback, dark grey text). Coordinates are in
 * pixels, origin top left.
 */
final class Svg {

    /** How text lines up with its anchor point. */
    enum Anchor {
        START, MIDDLE, END;

        String css() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** plotly.js's default trace colours, in order. */
    static final String[] COLORWAY = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf"};
    static final String TEXT = "#444";
    static final String GRID = "#eee";

    private final StringBuilder out = new StringBuilder();

    Svg(int width, int height) {
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"'Open Sans', verdana, arial, sans-serif\" font-size=\"12\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    }

    /** A colour of the default sequence, for the {@code i}-th trace. */
    static String color(int i) {
        return COLORWAY[Math.floorMod(i, COLORWAY.length)];
    }

    Svg rect(double x, double y, double w, double h, String fill) {
        out.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(h)).append("\" fill=\"").append(fill).append("\"/>\n");
        return this;
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width) {
        out.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(num(width)).append("\"/>\n");
        return this;
    }

    /** A polyline through the points; a non-finite coordinate breaks it into pieces. */
    Svg polyline(double[] x, double[] y, String stroke, double width) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                pen = false;
                continue;
            }
            d.append(pen ? 'L' : 'M').append(num(x[i])).append(',').append(num(y[i]));
            pen = true;
        }
        if (!d.isEmpty()) {
            out.append("<path d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(stroke)
                    .append("\" stroke-width=\"").append(num(width)).append("\" stroke-linejoin=\"round\"/>\n");
        }
        return this;
    }

    Svg circle(double cx, double cy, double r, String fill) {
        out.append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(cy)).append("\" r=\"").append(num(r))
                .append("\" fill=\"").append(fill).append("\"/>\n");
        return this;
    }

    Svg text(double x, double y, String text, Anchor anchor, double size) {
        return text(x, y, text, anchor, size, 0);
    }

    /** Text with its baseline at {@code y}, turned by {@code rotate} degrees (clockwise) around its anchor. */
    Svg text(double x, double y, String text, Anchor anchor, double size, double rotate) {
        out.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" fill=\"").append(TEXT)
                .append("\" font-size=\"").append(num(size)).append('"');
        if (anchor != Anchor.START) {
            out.append(" text-anchor=\"").append(anchor.css()).append('"');
        }
        if (rotate != 0) {
            out.append(" transform=\"rotate(").append(num(rotate)).append(' ').append(num(x)).append(' ').append(num(y))
                    .append(")\"");
        }
        out.append('>').append(escape(text)).append("</text>\n");
        return this;
    }

    /** A vertical colour bar from {@code colors[0]} at the bottom to the last colour at the top. */
    Svg verticalGradient(String id, double x, double y, double w, double h, String[] colors) {
        out.append("<defs><linearGradient id=\"").append(id).append("\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
        for (int i = 0; i < colors.length; i++) {
            out.append("<stop offset=\"").append(num(i / (double) (colors.length - 1))).append("\" stop-color=\"")
                    .append(colors[i]).append("\"/>");
        }
        out.append("</linearGradient></defs>\n");
        return rect(x, y, w, h, "url(#" + id + ")");
    }

    /** The finished document. */
    String end() {
        return out + "</svg>\n";
    }

    /** A coordinate with at most two decimals, no exponent. */
    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '&' -> s.append("&amp;");
                case '"' -> s.append("&quot;");
                default -> s.append(c < 0x20 && c != '\t' ? ' ' : c);
            }
        }
        return s.toString();
    }
}
