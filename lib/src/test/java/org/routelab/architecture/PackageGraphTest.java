package org.routelab.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's packages read top-down: each imports only packages below it in {@link #LAYERS} (the
 * README's library tour, bottom first), so there are no cycles. Sub-packages ({@code backbone.t5},
 * {@code data.skillcomp}) belong to their parent.
 */
class PackageGraphTest {
    /** Bottom first. */
    static final List<String> LAYERS = List.of("util", "nn", "notebook", "backbone", "adapter", "routing",
            "method", "interop", "data", "train", "eval", "analysis", "experiment", "charts", "sweep", "cli");

    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?org\\.routelab\\.([a-z]+)\\.", Pattern.MULTILINE);

    @Test
    void everyImportPointsDownTheLayers() throws IOException {
        Path root = Path.of("src/main/java/org/routelab");
        List<String> upward = new ArrayList<>();
        int files = 0;
        try (Stream<Path> sources = Files.walk(root)) {
            for (Path file : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                String layer = root.relativize(file).getName(0).toString();
                assertTrue(LAYERS.contains(layer), "package " + layer + " is in no layer");
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String target = m.group(1);
                    assertTrue(LAYERS.contains(target), file + " imports the unknown package " + target);
                    if (LAYERS.indexOf(target) > LAYERS.indexOf(layer)) {
                        upward.add(root.relativize(file) + " imports " + target);
                    }
                }
            }
        }
        assertTrue(files > 100, "found the sources: " + files);
        assertEquals(List.of(), upward, "imports of a package above");
    }
}
