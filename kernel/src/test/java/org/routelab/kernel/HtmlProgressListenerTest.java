package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.routelab.notebook.ProgressUpdate;

class HtmlProgressListenerTest {

    @Test
    void barShowsStepMetricsAndEta() {
        String html = HtmlProgressListener.html(new ProgressUpdate("phase-1", "train <MHR>", 25, 100,
                Map.of("loss", 0.123456), Duration.ofSeconds(10), false));
        assertTrue(html.contains("train &lt;MHR&gt;"), html);
        assertTrue(html.contains("width:25.0%"), html);
        assertTrue(html.contains("25/100 (25%)"), html);
        assertTrue(html.contains("loss 0.1235"), html);
        assertTrue(html.contains("elapsed"), html);
        assertTrue(html.contains("ETA 0:30"), html);
    }

    @Test
    void endedEarlyShowsStopped() {
        String html = HtmlProgressListener.html(new ProgressUpdate("phase-1", "train", 40, 100, Map.of(),
                Duration.ofSeconds(4), true));
        assertTrue(html.contains("stopped"), html);
        assertTrue(html.contains("#d9534f"), html);
    }
}
