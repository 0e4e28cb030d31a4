package org.routelab.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Tick positions and labels of a numeric axis, chosen as plotly.js does by default: round steps of
 * 1, 2 or 5 times a power of ten on linear axes (labels without trailing zeros), whole decades on
 * logarithmic ones.
 *
 * @param values tick positions in data units, ascending
 * @param labels one label per tick
 */
record Ticks(double[] values, List<String> labels) {

    /** Linear ticks inside {@code [min, max]}, about {@code target} of them. */
    static Ticks linear(double min, double max, int target) {
        if (!(max > min)) {
            return new Ticks(new double[] {min}, List.of(format(min, 0)));
        }
        double raw = (max - min) / Math.max(1, target);
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = power;
        for (double m : new double[] {1, 2, 5, 10}) {
            step = m * power;
            if (step >= raw) {
                break;
            }
        }
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        List<Double> values = new ArrayList<>();
        for (double t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) {
            values.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        }
        return new Ticks(values.stream().mapToDouble(Double::doubleValue).toArray(),
                values.stream().map(v -> trimmed(format(v, decimals))).toList());
    }

    /** "1.50" as "1.5" and "2.00" as "2", as plotly.js labels ticks. */
    private static String trimmed(String number) {
        return number.contains(".") ? number.replaceAll("\\.?0+$", "") : number;
    }

    /** Ticks at the powers of ten inside {@code [min, max]} (both positive), labelled 1, 10, 100, 1k, ... */
    static Ticks log(double min, double max) {
        List<Double> values = new ArrayList<>();
        for (int e = (int) Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) {
            values.add(Math.pow(10, e));
        }
        if (values.isEmpty()) {
            return linear(min, max, 3);
        }
        return new Ticks(values.stream().mapToDouble(Double::doubleValue).toArray(),
                values.stream().map(Ticks::si).toList());
    }

    private static String format(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** 1, 10, 100, 1k, 10k, ..., 1M, 1G (plotly.js's default exponent format on log axes). */
    private static String si(double v) {
        String[] units = {"", "k", "M", "G", "T"};
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return (v >= 1 ? String.valueOf(Math.round(v)) : format(v, (int) Math.ceil(-Math.log10(v)))) + units[u];
    }
}
