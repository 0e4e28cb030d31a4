package org.routelab.kernel;

import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.routelab.notebook.ProgressListener;
import org.routelab.notebook.ProgressUpdate;
import org.routelab.notebook.TextProgressListener;

/**
 * Shows each progress phase as one live HTML bar (step, metrics, elapsed time and ETA) that is
 * updated in place with {@code update_display_data}; the text form rides along as {@code text/plain}.
 */
final class HtmlProgressListener implements ProgressListener {

    /** Display ids must not repeat across kernel restarts, or an update would hit an old notebook output. */
    private final String session = UUID.randomUUID().toString().substring(0, 8);
    private final RouteLabKernel kernel;
    private final Set<String> open = ConcurrentHashMap.newKeySet();

    HtmlProgressListener(RouteLabKernel kernel) {
        this.kernel = kernel;
    }

    /** Whether a phase is running: then the work checks for interrupts between its steps. */
    boolean hasOpenPhase() {
        return !open.isEmpty();
    }

    /** Forgets phases earlier cells left open (not closed), so they do not count as running. */
    void forgetOpenPhases() {
        open.clear();
    }

    @Override
    public void phaseStarted(ProgressUpdate u) {
        open.add(u.phaseId());
        kernel.publishDisplay(bundle(u), false);
    }

    @Override
    public void phaseUpdated(ProgressUpdate u) {
        kernel.publishDisplay(bundle(u), true);
    }

    @Override
    public void phaseEnded(ProgressUpdate u) {
        open.remove(u.phaseId());
        kernel.publishDisplay(bundle(u), true);
    }

    private DisplayData bundle(ProgressUpdate u) {
        DisplayData d = new DisplayData();
        d.putHTML(html(u));
        d.putText(TextProgressListener.line(u) + (u.ended() ? " done in " + ProgressUpdate.clock(u.elapsed()) : ""));
        d.setDisplayId("routelab-progress-" + session + "-" + u.phaseId());
        return d;
    }

    /** The bar: divs with inline styles, which notebook sanitizers keep. */
    static String html(ProgressUpdate u) {
        boolean stopped = u.ended() && u.total() > 0 && u.step() < u.total();
        double fraction = u.fraction().orElse(u.ended() ? 1.0 : 0.0);
        String color = stopped ? "#d9534f" : u.ended() ? "#5cb85c" : "#337ab7";
        StringBuilder info = new StringBuilder();
        info.append(u.step());
        if (u.total() > 0) {
            info.append('/').append(u.total()).append(" (").append(Math.round(100 * fraction)).append("%)");
        }
        u.metrics().forEach((k, v) -> info.append(" · ").append(TableHtml.escape(k)).append(' ')
                .append(ProgressUpdate.metric(v)));
        info.append(" · ").append(ProgressUpdate.clock(u.elapsed())).append(" elapsed");
        u.eta().ifPresent(eta -> info.append(" · ETA ").append(ProgressUpdate.clock(eta)));
        if (stopped) {
            info.append(" · stopped");
        }
        return "<div class=\"routelab-progress\" style=\"font-family:monospace;font-size:12px;margin:2px 0\">"
                + "<span style=\"display:inline-block;min-width:10em\">" + TableHtml.escape(u.name()) + "</span>"
                + "<div style=\"display:inline-block;vertical-align:middle;width:240px;height:12px;border:1px solid #999;"
                + "border-radius:3px;background:#eee;margin:0 8px\">"
                + "<div style=\"width:" + String.format(Locale.ROOT, "%.1f", 100 * fraction) + "%;height:100%;background:"
                + color + "\"></div></div>"
                + "<span>" + info + "</span></div>";
    }
}
