package org.routelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code routelab doctor} names the allocator a JVM runs on, as the launcher preloads it. */
class NativeAllocatorTest {
    /** Where Debian, Ubuntu and Fedora install tcmalloc's minimal library. */
    private static final List<String> TCMALLOC = List.of("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
            "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4", "/usr/lib64/libtcmalloc_minimal.so.4");

    @TempDir
    Path dir;

    @Test
    void doctorNamesTcmallocWhenItIsPreloadedAndTheSystemMallocOtherwise() throws Exception {
        String tcmalloc = TCMALLOC.stream().filter(p -> Files.isRegularFile(Path.of(p))).findFirst().orElse(null);
        Assumptions.assumeTrue(tcmalloc != null, "tcmalloc is not installed (apt-get install libtcmalloc-minimal4)");
        assertTrue(doctor(tcmalloc).contains("allocator:       tcmalloc ("), "preloaded");
        assertTrue(doctor(null).contains("allocator:       system malloc"), "not preloaded");
    }

    /** Runs {@code doctor} in a JVM of its own, with {@code preload} as its only LD_PRELOAD. */
    private String doctor(String preload) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                RouteLab.class.getName(), "doctor");
        Map<String, String> env = builder.environment();
        env.remove("LD_PRELOAD");
        if (preload != null) {
            env.put("LD_PRELOAD", preload);
        }
        Path out = dir.resolve("doctor.out");
        Process p = builder.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "doctor timed out");
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return output;
    }
}
