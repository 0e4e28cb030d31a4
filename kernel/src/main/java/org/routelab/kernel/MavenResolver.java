package org.routelab.kernel;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Resolves Maven coordinates with their runtime dependencies, for {@code %maven}. It runs the
 * {@code mvn} that builds RouteLab (so the user's settings, mirrors and local repository apply) on a
 * throw-away POM, and returns the jars in Maven's repository layout.
 */
final class MavenResolver {

    private static final Pattern COORDINATES = Pattern.compile("[\\w.\\-]+(:[\\w.\\-]+){2,4}");
    private static final long TIMEOUT_MINUTES = 10;

    private final String mvn;
    private final Path workRoot;

    /**
     * @param mvn      the Maven command ({@code ROUTELAB_MVN}, else {@code mvn} on the PATH)
     * @param workRoot where resolved jars are copied, one folder per request
     */
    MavenResolver(String mvn, Path workRoot) {
        this.mvn = mvn;
        this.workRoot = workRoot;
    }

    /**
     * Resolves {@code group:artifact:version} (or {@code group:artifact:packaging[:classifier]:version})
     * coordinates and their runtime dependencies.
     *
     * @return the jar files, in no particular order
     */
    List<Path> resolve(List<String> coordinates) {
        if (coordinates.isEmpty()) {
            throw new IllegalArgumentException("%maven needs coordinates, e.g. %maven org.apache.commons:commons-math3:3.6.1");
        }
        StringBuilder deps = new StringBuilder();
        for (String c : coordinates) {
            if (!COORDINATES.matcher(c).matches()) {
                throw new IllegalArgumentException("not Maven coordinates: '" + c + "' (expected group:artifact:version)");
            }
            String[] p = c.split(":");
            deps.append("<dependency><groupId>").append(p[0]).append("</groupId><artifactId>").append(p[1])
                .append("</artifactId><version>").append(p[p.length - 1]).append("</version>");
            if (p.length >= 4) {
                deps.append("<type>").append(p[2]).append("</type>");
            }
            if (p.length == 5) {
                deps.append("<classifier>").append(p[3]).append("</classifier>");
            }
            deps.append("</dependency>");
        }
        try {
            Files.createDirectories(workRoot);
            Path dir = Files.createTempDirectory(workRoot, "maven-");
            Path pom = dir.resolve("pom.xml");
            Files.writeString(pom, "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>"
                    + "<groupId>org.routelab.kernel</groupId><artifactId>maven-magic</artifactId><version>1</version>"
                    + "<dependencies>" + deps + "</dependencies></project>");
            Path jars = dir.resolve("jars");
            Path log = dir.resolve("mvn.log");
            Process p = new ProcessBuilder(mvn, "-B", "-q", "-f", pom.toString(),
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
                    "-DincludeScope=runtime", "-Dmdep.useRepositoryLayout=true", "-DoutputDirectory=" + jars)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("Maven did not finish resolving " + coordinates + " within "
                        + TIMEOUT_MINUTES + " minutes");
            }
            if (p.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                String tail = lines.subList(Math.max(0, lines.size() - 15), lines.size()).stream()
                        .collect(Collectors.joining("\n"));
                throw new IllegalStateException("Maven could not resolve " + coordinates + ":\n" + tail);
            }
            if (!Files.isDirectory(jars)) {
                return List.of();
            }
            try (Stream<Path> files = Files.walk(jars)) {
                return new ArrayList<>(files.filter(f -> f.toString().endsWith(".jar")).toList());
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
                throw new IllegalStateException("%maven needs Maven: install it (apt-get install maven) or set ROUTELAB_MVN", e);
            }
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resolving " + coordinates, e);
        }
    }

    /** The artifact id of a jar in Maven's repository layout ({@code .../artifactId/version/file.jar}). */
    static String artifactIdOf(Path jar) {
        return jar.getParent().getParent().getFileName().toString();
    }

    /** Whether {@code classPath} already holds a jar of that artifact (copied as artifactId-version*.jar). */
    static boolean onClassPath(String artifactId, String classPath) {
        Pattern jar = Pattern.compile(Pattern.quote(artifactId) + "-\\d[^" + Pattern.quote(File.separator) + "]*\\.jar");
        for (String entry : classPath.split(File.pathSeparator)) {
            if (jar.matcher(Path.of(entry).getFileName().toString()).matches()) {
                return true;
            }
        }
        return false;
    }
}
