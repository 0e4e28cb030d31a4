package org.routelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProductBoundTest {
    /**
     * Two steps of a made-up trace: on one thread an operation of 10 us calls a product of 2 us and a copy
     * of 3 us, on another a product of 4 us runs alone; each step's events appear once per step.
     */
    @Test
    void selfTimesSubtractTheCalledOperationsAndProductsAreCountedByShape(@TempDir Path dir) throws Exception {
        StringBuilder events = new StringBuilder();
        for (int step = 0; step < 2; step++) {
            int t = step * 100;
            events.append(event("aten::matmul", 1, t, 10, null)).append(',')
                    .append(event("aten::mm", 1, t + 1, 2, "[[2,3],[3,4]]")).append(',')
                    .append(event("aten::copy_", 1, t + 5, 3, null)).append(',')
                    .append(event("aten::bmm", 2, t + 2, 4, "[[5,2,3],[5,3,4]]")).append(',');
        }
        events.append("{\"ph\":\"i\",\"name\":\"marker\",\"tid\":1,\"ts\":0}");
        Path trace = dir.resolve("trace.json");
        Files.writeString(trace, "{\"traceEvents\":[" + events + "]}");

        ProductBound.Profile profile = ProductBound.Profile.read(trace, 2);

        assertEquals(1.0, profile.byName().get("aten::matmul")[0], 1e-12);
        assertEquals(0.005, profile.byName().get("aten::matmul")[1], 1e-12); // 10 - 2 - 3 us, in ms
        assertEquals(0.002, profile.byName().get("aten::mm")[1], 1e-12);
        assertEquals(0.004, profile.byName().get("aten::bmm")[1], 1e-12);
        assertEquals(4.0, profile.calls(), 1e-12);
        assertEquals(0.014, profile.selfMs(), 1e-12);
        assertEquals(Map.of("aten::mm [[2,3],[3,4]]", 1.0, "aten::bmm [[5,2,3],[5,3,4]]", 1.0), profile.products());
    }

    /** addmm's added term comes first; taken as a factor, [5] x [4, 8] would not multiply. */
    @Test
    void replayMultipliesTheProfiledShapes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            double ms = ProductBound.replay("aten::addmm", "[[5],[4,8],[8,5]]", manager);
            assertTrue(ms > 0 && ms < 1000, "one tiny product took " + ms + " ms");
        }
    }

    private static String event(String name, int thread, double ts, double dur, String shape) {
        return "{\"ph\":\"X\",\"name\":\"" + name + "\",\"tid\":" + thread + ",\"ts\":" + ts + ",\"dur\":" + dur
                + (shape == null ? "" : ",\"shape\":" + shape) + "}";
    }
}
