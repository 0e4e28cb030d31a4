package org.routelab.kernel;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The line magics Java kernels offer. A magic is a line that starts with {@code %}; a cell may mix
 * magic lines and code, which run in order:
 * <ul>
 *   <li>{@code %classpath PATH...} and {@code %jars PATH...}: add jars or class folders (globs such as
 *       {@code lib/*.jar} allowed);</li>
 *   <li>{@code %maven GROUP:ARTIFACT:VERSION...}: resolve from Maven Central with runtime dependencies
 *       and add them, keeping the kernel's own version of any artifact it already has;</li>
 *   <li>{@code %load FILE}: evaluate a {@code .jsh} or {@code .java} file as if it were a cell.</li>
 * </ul>
 */
final class Magics {

    /** The cell split into runnable pieces; code pieces keep their line positions in the cell. */
    sealed interface Piece permits Code, Magic {
    }

    /** Code to evaluate: the whole cell with every line outside this piece blanked. */
    record Code(String source) implements Piece {
    }

    /** One magic line: its name and arguments. */
    record Magic(String name, List<String> args) implements Piece {
    }

    private final CellEvaluator evaluator;
    private final MavenResolver maven;
    private final String kernelClassPath;
    private final PrintStream out;

    Magics(CellEvaluator evaluator, MavenResolver maven, String kernelClassPath, PrintStream out) {
        this.evaluator = evaluator;
        this.maven = maven;
        this.kernelClassPath = kernelClassPath;
        this.out = out;
    }

    /** Splits a cell into code pieces and magic lines, in order. */
    static List<Piece> split(String cell) {
        String[] lines = cell.split("\n", -1);
        List<Piece> pieces = new ArrayList<>();
        int codeStart = 0;
        for (int i = 0; i <= lines.length; i++) {
            boolean magic = i < lines.length && lines[i].stripLeading().startsWith("%");
            if (magic || i == lines.length) {
                if (i > codeStart) {
                    String[] kept = new String[lines.length];
                    for (int j = 0; j < lines.length; j++) {
                        kept[j] = j >= codeStart && j < i ? lines[j] : "";
                    }
                    String code = String.join("\n", kept);
                    if (!code.isBlank()) {
                        pieces.add(new Code(code));
                    }
                }
                codeStart = i + 1;
            }
            if (magic) {
                String[] words = lines[i].strip().substring(1).strip().split("\\s+");
                pieces.add(new Magic(words[0], Arrays.asList(words).subList(1, words.length)));
            }
        }
        return pieces;
    }

    /**
     * Runs one magic line.
     *
     * @return what the magic evaluated ({@code %load}), or {@link CellEvaluator.Outcome#NONE}
     */
    CellEvaluator.Outcome run(Magic magic) {
        switch (magic.name()) {
            case "classpath", "jars" -> {
                if (magic.args().isEmpty()) {
                    throw new IllegalArgumentException("%" + magic.name() + " needs jars or folders, e.g. %jars lib/*.jar");
                }
                List<Path> paths = new ArrayList<>();
                for (String arg : magic.args()) {
                    paths.addAll(expand(arg));
                }
                add(paths);
                return CellEvaluator.Outcome.NONE;
            }
            case "maven" -> {
                List<Path> kept = new ArrayList<>();
                for (Path jar : maven.resolve(magic.args())) {
                    String artifact = MavenResolver.artifactIdOf(jar);
                    if (MavenResolver.onClassPath(artifact, kernelClassPath)) {
                        out.println("Kept the kernel's own " + artifact + " (needed by RouteLab); skipped " + jar.getFileName());
                    } else {
                        kept.add(jar);
                    }
                }
                add(kept);
                return CellEvaluator.Outcome.NONE;
            }
            case "load" -> {
                if (magic.args().size() != 1) {
                    throw new IllegalArgumentException("%load takes one file, e.g. %load helpers.jsh");
                }
                return evaluator.eval(loadable(Path.of(magic.args().get(0))));
            }
            default -> throw new IllegalArgumentException("unknown magic %" + magic.name()
                    + "; known: %classpath, %jars, %maven, %load");
        }
    }

    private void add(List<Path> paths) {
        for (Path p : paths) {
            evaluator.addToClasspath(p.toAbsolutePath().toString());
        }
        out.println("Added " + paths.size() + " jar" + (paths.size() == 1 ? "" : "s") + " to the class path.");
    }

    /** A path, or the files a glob in its last part matches; fails when nothing exists. */
    static List<Path> expand(String arg) {
        Path path = Path.of(arg);
        String last = path.getFileName() == null ? "" : path.getFileName().toString();
        if (!last.contains("*") && !last.contains("?") && !last.contains("{")) {
            if (!Files.exists(path)) {
                throw new IllegalArgumentException("no such file or folder: " + path.toAbsolutePath());
            }
            return List.of(path);
        }
        Path dir = path.getParent() == null ? Path.of(".") : path.getParent();
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + last);
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(f -> matcher.matches(f.getFileName())).sorted().toList();
            if (found.isEmpty()) {
                throw new IllegalArgumentException("nothing matches " + arg + " in " + dir.toAbsolutePath());
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir.toAbsolutePath(), e);
        }
    }

    /** The file's text as a cell; a .java file's package line is blanked, since JShell has no packages. */
    private static String loadable(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
        return file.toString().endsWith(".java") ? text.replaceFirst("(?m)^\\s*package\\s+[\\w.]+\\s*;", "") : text;
    }
}
