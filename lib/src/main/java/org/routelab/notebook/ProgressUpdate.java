package org.routelab.notebook;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of one progress phase.
 *
 * @param phaseId unique id of the phase within this JVM (stable across its updates)
 * @param name    what the phase does, e.g. {@code "train"} or {@code "eval rte"}
 * @param step    steps completed so far
 * @param total   steps expected, or 0 when unknown
 * @param metrics the latest named values (e.g. {@code loss}), in the order they were given
 * @param elapsed time since the phase started
 * @param ended   whether the phase has ended
 */
public record ProgressUpdate(
        String phaseId, String name, long step, long total, Map<String, Double> metrics, Duration elapsed,
        boolean ended) {

    /** Copies {@code metrics} so a snapshot never changes after it is made. */
    public ProgressUpdate {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** Completed fraction in [0, 1], or empty when the total is unknown. */
    public Optional<Double> fraction() {
        return total > 0 ? Optional.of(Math.min(1.0, (double) step / total)) : Optional.empty();
    }

    /**
     * Estimated time left, extrapolated from the mean step time so far; empty when the total is
     * unknown, no step is done yet, or the phase has ended.
     */
    public Optional<Duration> eta() {
        if (ended || total <= 0 || step <= 0) {
            return Optional.empty();
        }
        long remaining = Math.max(0, total - step);
        return Optional.of(Duration.ofNanos((long) ((double) elapsed.toNanos() / step * remaining)));
    }

    /**
     * Formats a metric compactly: four significant digits without trailing zeros ({@code 0.05},
     * {@code 12.35}), scientific notation for very small or large magnitudes ({@code 1.235e-05}).
     */
    public static String metric(double v) {
        if (v == 0) {
            return "0";
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        if (a < 1e-3 || a >= 1e5) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** Formats a duration as {@code h:mm:ss} or {@code m:ss}, the way progress bars show it. */
    public static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
