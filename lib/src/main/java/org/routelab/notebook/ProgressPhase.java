package org.routelab.notebook;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One running phase of long work, opened by {@link Progress#start(String, long)}.
 *
 * <p>Use it in try-with-resources so that the phase ends even when the work fails or is interrupted:
 * <pre>{@code
 * try (ProgressPhase phase = Progress.start("train", steps)) {
 *     for (int step = 1; step <= steps; step++) {
 *         Progress.checkInterrupted();
 *         float loss = trainStep();
 *         phase.update(step, Map.of("loss", (double) loss));
 *     }
 * }
 * }</pre>
 * A phase belongs to the thread that opened it.
 */
public final class ProgressPhase implements AutoCloseable {

    private static final AtomicLong IDS = new AtomicLong();

    private final String id = "phase-" + IDS.incrementAndGet();
    private final String name;
    private final long total;
    private final ProgressListener listener;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final long minIntervalNanos;
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private long step;
    private long lastReportNanos;
    private boolean ended;

    ProgressPhase(String name, long total, ProgressListener listener, LongSupplier nanoClock) {
        this.name = name;
        this.total = Math.max(0, total);
        this.listener = listener;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.minIntervalNanos = listener.minUpdateInterval().toNanos();
        this.lastReportNanos = startNanos;
        listener.phaseStarted(snapshot(startNanos));
    }

    /** The phase's name as given to {@link Progress#start(String, long)}. */
    public String name() {
        return name;
    }

    /** Steps expected, or 0 when unknown. */
    public long total() {
        return total;
    }

    /** The last step reported. */
    public long step() {
        return step;
    }

    /** Reports that {@code step} steps are done. */
    public void update(long step) {
        update(step, Map.of());
    }

    /**
     * Reports that {@code step} steps are done, with the latest values of some metrics (e.g. loss).
     * Metrics not named here keep their previous values.
     */
    public void update(long step, Map<String, ? extends Number> metrics) {
        if (ended) {
            throw new IllegalStateException("progress phase '" + name + "' has already ended");
        }
        this.step = step;
        metrics.forEach((k, v) -> this.metrics.put(k, v.doubleValue()));
        long now = nanoClock.getAsLong();
        if (now - lastReportNanos >= minIntervalNanos || (total > 0 && step >= total)) {
            lastReportNanos = now;
            listener.phaseUpdated(snapshot(now));
        }
    }

    /** Ends the phase; later calls do nothing. */
    @Override
    public void close() {
        if (ended) {
            return;
        }
        ended = true;
        Progress.ended(this);
        listener.phaseEnded(snapshot(nanoClock.getAsLong()));
    }

    private ProgressUpdate snapshot(long now) {
        return new ProgressUpdate(id, name, step, total, metrics, Duration.ofNanos(now - startNanos), ended);
    }
}
