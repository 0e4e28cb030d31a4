package org.routelab.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.routelab.notebook.Progress;

/**
 * The snippet every session starts with: the imports notebooks need (Java basics, DJL's NDArray API,
 * Tablesaw and its plots, every package of the RouteLab library, the kernel's display helpers),
 * followed by the user's own startup file when there is one.
 */
final class Startup {

    /** Environment variable naming a .jsh file evaluated after the built-in imports. */
    static final String USER_STARTUP_ENV = "ROUTELAB_STARTUP";

    private static final List<String> FIXED = List.of(
            "java.util.*", "java.util.function.*", "java.util.stream.*", "java.io.*", "java.nio.file.*", "java.time.*",
            "ai.djl.ndarray.*", "ai.djl.ndarray.types.*", "ai.djl.ndarray.index.NDIndex", "ai.djl.Device",
            "tech.tablesaw.api.*", "tech.tablesaw.plotly.Plot", "tech.tablesaw.plotly.api.*",
            "tech.tablesaw.plotly.components.Figure", "tech.tablesaw.plotly.components.Layout",
            "tech.tablesaw.plotly.traces.*");

    /** Library packages left out: the command line is not for notebooks. */
    private static final List<String> SKIPPED = List.of("org.routelab.cli");

    private Startup() {
    }

    /**
     * The built-in imports, one per line. A library class named like a {@code java.lang} class (e.g.
     * {@code org.routelab.nn.Module}) is imported by name, so that in notebooks the library's wins.
     */
    static String imports() {
        StringBuilder s = new StringBuilder();
        FIXED.forEach(i -> s.append("import ").append(i).append(";\n"));
        List<String> classes = libraryClasses();
        classes.stream().map(c -> c.substring(0, c.lastIndexOf('.'))).distinct()
                .forEach(p -> s.append("import ").append(p).append(".*;\n"));
        classes.stream().filter(Startup::shadowsJavaLang).forEach(c -> s.append("import ").append(c).append(";\n"));
        s.append("import static ").append(Notebook.class.getName()).append(".*;\n");
        return s.toString();
    }

    private static boolean shadowsJavaLang(String className) {
        try {
            Class.forName("java.lang." + className.substring(className.lastIndexOf('.') + 1), false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The user's startup file named by {@value #USER_STARTUP_ENV}, if set. */
    static String userStartup() {
        String file = System.getenv(USER_STARTUP_ENV);
        if (file == null || file.isBlank()) {
            return "";
        }
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(USER_STARTUP_ENV + " names a file that cannot be read: " + file, e);
        }
    }

    /** Top-level classes of the library (for notebooks), found where the library was loaded from. */
    static List<String> libraryClasses() {
        TreeSet<String> files = new TreeSet<>();
        try {
            Path location = Path.of(Progress.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                try (Stream<Path> walk = Files.walk(location)) {
                    walk.map(f -> location.relativize(f).toString().replace(location.getFileSystem().getSeparator(), "/"))
                        .forEach(files::add);
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    jar.stream().map(e -> e.getName()).forEach(files::add);
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the RouteLab library's classes", e);
        }
        List<String> result = new ArrayList<>();
        for (String f : files) {
            if (!f.endsWith(".class") || f.contains("$") || f.endsWith("module-info.class") || f.endsWith("package-info.class")) {
                continue;
            }
            String name = f.substring(0, f.length() - ".class".length()).replace('/', '.');
            String pkg = name.substring(0, Math.max(0, name.lastIndexOf('.')));
            if (pkg.startsWith("org.routelab.") && SKIPPED.stream().noneMatch(s -> Objects.equals(s, pkg) || pkg.startsWith(s + "."))) {
                result.add(name);
            }
        }
        return result;
    }
}
