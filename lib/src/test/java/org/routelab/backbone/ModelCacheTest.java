package org.routelab.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {
    @TempDir
    Path dir;

    @Test
    void entriesAreBuiltOnceAndRebuiltWhenCorruptOrMissing() throws IOException {
        ModelCache cache = new ModelCache(dir);
        AtomicInteger builds = new AtomicInteger();
        ModelCache.Builder builder = folder -> {
            builds.incrementAndGet();
            Files.writeString(folder.resolve("model.safetensors"), "weights");
            Files.writeString(folder.resolve("config.json"), "{}");
        };
        Path entry = cache.getOrBuild("tiny", "config-a seed 1", builder);
        assertEquals(entry, cache.getOrBuild("tiny", "config-a seed 1", builder));
        assertEquals(1, builds.get());

        Files.writeString(entry.resolve("model.safetensors"), "weightz"); // corrupted
        assertFalse(ModelCache.verifies(entry));
        cache.getOrBuild("tiny", "config-a seed 1", builder);
        assertEquals(2, builds.get());
        assertEquals("weights", Files.readString(entry.resolve("model.safetensors")));

        Files.delete(entry.resolve("config.json")); // partial
        cache.getOrBuild("tiny", "config-a seed 1", builder);
        assertEquals(3, builds.get());
        assertTrue(ModelCache.verifies(entry));

        assertNotEquals(entry, cache.getOrBuild("tiny", "config-a seed 2", builder));
        assertEquals(4, builds.get());
    }

    @Test
    void aFailedBuildLeavesNoEntry() throws IOException {
        ModelCache cache = new ModelCache(dir);
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                () -> cache.getOrBuild("tiny", "k", folder -> {
                    Files.writeString(folder.resolve("half"), "x");
                    throw new IOException("disk full");
                }));
        assertTrue(e.getMessage().contains("tiny"), e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }
}
