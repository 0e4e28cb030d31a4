package org.routelab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Names the native memory allocator this process runs on. PyTorch allocates and frees a buffer for
 * each operation's result, so the allocator shows in step times (the launcher preloads tcmalloc when
 * it is installed, see {@code ROUTELAB_MALLOC}); the benchmarks print it beside their figures.
 */
final class NativeAllocator {
    private static final List<String> KNOWN = List.of("tcmalloc", "jemalloc", "mimalloc");

    private NativeAllocator() {}

    /**
     * Returns the allocator whose library is mapped into this process.
     *
     * @return e.g. {@code tcmalloc (/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4)}, else
     *     {@code system malloc}
     */
    static String describe() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return "system malloc";
        }
        try (Stream<String> lines = Files.lines(maps)) {
            // a mapping line ends with its file's path
            for (String file : (Iterable<String>) lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))::iterator) {
                String name = file.substring(file.lastIndexOf('/') + 1);
                for (String known : KNOWN) {
                    if (name.startsWith("lib" + known)) {
                        return known + " (" + file + ")";
                    }
                }
            }
            return "system malloc";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
