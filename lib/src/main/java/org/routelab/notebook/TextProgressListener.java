package org.routelab.notebook;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Prints progress as plain lines, e.g. {@code [train] 120/1000 12% loss=0.4213 eta 3:05}: the
 * fallback when no notebook kernel is present (command line, tests, logs). Prints at most one update
 * line every two seconds per phase, plus its start and end.
 */
public final class TextProgressListener implements ProgressListener {

    private final Supplier<PrintStream> out;

    /** Prints to the current {@link System#err}, looked up at each line so redirections are followed. */
    public TextProgressListener() {
        this(() -> System.err);
    }

    /** Prints to the stream {@code out} supplies. */
    public TextProgressListener(Supplier<PrintStream> out) {
        this.out = out;
    }

    @Override
    public void phaseStarted(ProgressUpdate u) {
        out.get().println("[" + u.name() + "] started" + (u.total() > 0 ? ", " + u.total() + " steps" : ""));
    }

    @Override
    public void phaseUpdated(ProgressUpdate u) {
        out.get().println(line(u));
    }

    @Override
    public void phaseEnded(ProgressUpdate u) {
        out.get().println(line(u) + " done in " + ProgressUpdate.clock(u.elapsed()));
    }

    @Override
    public Duration minUpdateInterval() {
        return Duration.ofSeconds(2);
    }

    /** The text of one progress line, without a line break. */
    public static String line(ProgressUpdate u) {
        StringBuilder s = new StringBuilder("[").append(u.name()).append("] ").append(u.step());
        if (u.total() > 0) {
            s.append('/').append(u.total()).append(' ').append(Math.round(100 * u.fraction().orElse(0.0))).append('%');
        }
        u.metrics().forEach((k, v) -> s.append(' ').append(k).append('=').append(ProgressUpdate.metric(v)));
        u.eta().ifPresent(eta -> s.append(" eta ").append(ProgressUpdate.clock(eta)));
        return s.toString();
    }
}
