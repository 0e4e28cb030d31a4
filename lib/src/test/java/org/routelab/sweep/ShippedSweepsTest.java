package org.routelab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The sweep and tuning configs shipped in {@code sweeps/} read strictly and expand to their grids. */
class ShippedSweepsTest {
    private static final Path SWEEPS = Path.of("..", "sweeps");

    /** Each shipped file's number of cells (methods x values of every other axis). */
    private static final Map<String, Integer> CELLS = Map.of(
            "tune-defaults.json", 2 * 3,
            "tune-lr-lora-style.json", 3 * 4 * 3,
            "tune-lr-tensor.json", 3 * 3,
            "tune-lr-mixtures.json", 2 * 3,
            "tune-lr-trex.json", 3);

    @Test
    void everyShippedSweepReadsAndExpandsToItsGrid() throws IOException {
        List<Path> files;
        try (var list = Files.list(SWEEPS)) {
            files = list.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(CELLS.keySet(), files.stream().map(f -> f.getFileName().toString())
                .collect(Collectors.toSet()), "a shipped sweep without an expected size here");
        for (Path f : files) {
            SweepConfig c = SweepConfig.read(f, null);
            assertEquals(CELLS.get(f.getFileName().toString()), c.sweep().cells().size(), f.toString());
            assertTrue(c.output().toAbsolutePath().normalize().startsWith(SWEEPS.toAbsolutePath().getParent().normalize()
                    .resolve("out")), f + " writes outside out/: " + c.output());
        }
    }
}
