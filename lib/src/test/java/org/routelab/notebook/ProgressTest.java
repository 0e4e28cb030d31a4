package org.routelab.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProgressTest {

    /** Records events as "kind name step" strings; reports every update. */
    private static class Recorder implements ProgressListener {
        final List<String> events = new ArrayList<>();
        final List<ProgressUpdate> updates = new ArrayList<>();

        @Override
        public void phaseStarted(ProgressUpdate u) {
            events.add("start " + u.name() + " " + u.step());
            updates.add(u);
        }

        @Override
        public void phaseUpdated(ProgressUpdate u) {
            events.add("update " + u.name() + " " + u.step());
            updates.add(u);
        }

        @Override
        public void phaseEnded(ProgressUpdate u) {
            events.add("end " + u.name() + " " + u.step());
            updates.add(u);
        }

        @Override
        public Duration minUpdateInterval() {
            return Duration.ZERO;
        }
    }

    private final ProgressListener original = Progress.listener();

    @AfterEach
    void restore() {
        Progress.install(original);
        Thread.interrupted();
    }

    @Test
    void phaseReportsStartUpdatesAndEndToTheInstalledListener() {
        Recorder r = new Recorder();
        assertSame(original, Progress.install(r));
        try (ProgressPhase phase = Progress.start("train", 3)) {
            for (int step = 1; step <= 3; step++) {
                phase.update(step, Map.of("loss", 1.0 / step));
            }
        }
        assertEquals(List.of("start train 0", "update train 1", "update train 2", "update train 3", "end train 3"),
                r.events);
        ProgressUpdate last = r.updates.get(r.updates.size() - 1);
        assertTrue(last.ended());
        assertEquals(1.0 / 3, last.metrics().get("loss"), 1e-12);
        assertEquals(1.0, last.fraction().orElseThrow(), 1e-12);
    }

    @Test
    void fastUpdatesAreCoalescedButTheFinalStepIsAlwaysReported() {
        Recorder r = new Recorder() {
            @Override
            public Duration minUpdateInterval() {
                return Duration.ofSeconds(1);
            }
        };
        AtomicLong now = new AtomicLong();
        try (ProgressPhase phase = new ProgressPhase("eval", 100, r, now::get)) {
            for (int step = 1; step <= 100; step++) {
                now.addAndGet(1_000_000); // 1 ms per step
                phase.update(step);
            }
        }
        assertEquals(List.of("start eval 0", "update eval 100", "end eval 100"), r.events);
    }

    @Test
    void etaExtrapolatesTheMeanStepTime() {
        ProgressUpdate u = new ProgressUpdate("p", "train", 25, 100, Map.of(), Duration.ofSeconds(10), false);
        assertEquals(Duration.ofSeconds(30), u.eta().orElseThrow());
        assertTrue(new ProgressUpdate("p", "train", 0, 100, Map.of(), Duration.ofSeconds(1), false).eta().isEmpty());
        assertTrue(new ProgressUpdate("p", "train", 5, 0, Map.of(), Duration.ofSeconds(1), false).eta().isEmpty());
        assertEquals("1:01:05", ProgressUpdate.clock(Duration.ofSeconds(3665)));
        assertEquals("2:05", ProgressUpdate.clock(Duration.ofSeconds(125)));
    }

    @Test
    void metricsAreCompact() {
        assertEquals("0.05", ProgressUpdate.metric(0.05));
        assertEquals("12.35", ProgressUpdate.metric(12.345678));
        assertEquals("1.235e-05", ProgressUpdate.metric(0.000012345));
        assertEquals("1.000e+06", ProgressUpdate.metric(1e6));
        assertEquals("0", ProgressUpdate.metric(0));
        assertEquals("NaN", ProgressUpdate.metric(Double.NaN));
    }

    @Test
    void updatingAnEndedPhaseFails() {
        Progress.install(new Recorder());
        ProgressPhase phase = Progress.start("train", 2);
        phase.close();
        assertThrows(IllegalStateException.class, () -> phase.update(1));
    }

    @Test
    void checkInterruptedThrowsWithThePhaseAndStepAndClearsTheInterrupt() {
        Progress.install(new Recorder());
        Progress.checkInterrupted(); // not interrupted: no exception
        try (ProgressPhase phase = Progress.start("train", 10)) {
            phase.update(4);
            Thread.currentThread().interrupt();
            RunInterruptedException e = assertThrows(RunInterruptedException.class, Progress::checkInterrupted);
            assertTrue(e.getMessage().contains("'train'"), e.getMessage());
            assertTrue(e.getMessage().contains("step 4 of 10"), e.getMessage());
            assertFalse(Thread.currentThread().isInterrupted());
        }
        Thread.currentThread().interrupt();
        RunInterruptedException outside = assertThrows(RunInterruptedException.class, Progress::checkInterrupted);
        assertEquals("Interrupted by the user.", outside.getMessage());
    }

    @Test
    void textFallbackPrintsReadableLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress.install(new TextProgressListener(() -> ps));
        try (ProgressPhase phase = Progress.start("train", 4)) {
            phase.update(4, Map.of("loss", 0.25));
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("[train] started, 4 steps"), text);
        assertTrue(text.contains("[train] 4/4 100% loss=0.25"), text);
        assertTrue(text.contains("done in 0:00"), text);
    }
}
