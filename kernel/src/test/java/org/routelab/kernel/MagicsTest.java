package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MagicsTest {

    @Test
    void splitKeepsCodeLinePositionsAndMagicOrder() {
        List<Magics.Piece> pieces = Magics.split("int a = 1;\n%jars x.jar y.jar\nint b = 2;");
        assertEquals(3, pieces.size());
        assertEquals(new Magics.Code("int a = 1;\n\n"), pieces.get(0));
        assertEquals(new Magics.Magic("jars", List.of("x.jar", "y.jar")), pieces.get(1));
        assertEquals(new Magics.Code("\n\nint b = 2;"), pieces.get(2));
    }

    @Test
    void globsExpandAndMissingFilesFailClearly(@TempDir Path dir) throws Exception {
        Files.createFile(dir.resolve("a.jar"));
        Files.createFile(dir.resolve("b.jar"));
        Files.createFile(dir.resolve("c.txt"));
        assertEquals(List.of(dir.resolve("a.jar"), dir.resolve("b.jar")), Magics.expand(dir + "/*.jar"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Magics.expand(dir + "/none.jar"));
        assertTrue(e.getMessage().startsWith("no such file or folder"), e.getMessage());
    }

    @Test
    void jarsMagicMakesClassesUsableAndLoadEvaluatesFiles(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/demo/Greeter.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package demo; public class Greeter { public static String hi() { return \"hi from jar\"; } }");
        Path classes = dir.resolve("classes");
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString()));
        Path jar = dir.resolve("greeter.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("demo/Greeter.class"));
            out.write(Files.readAllBytes(classes.resolve("demo/Greeter.class")));
        }
        Path script = dir.resolve("helpers.jsh");
        Files.writeString(script, "String shout(String s) { return s.toUpperCase(); }\nshout(demo.Greeter.hi())");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CellEvaluator evaluator = new CellEvaluator(CellEvaluatorTest.testClassPath(),
                new PrintStream(OutputStream.nullOutputStream()), new IoGuard())) {
            Magics magics = new Magics(evaluator, new MavenResolver("mvn", dir.resolve("maven")),
                    CellEvaluatorTest.testClassPath(), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertFalse(magics.run(new Magics.Magic("jars", List.of(jar.toString()))).hasValue());
            assertEquals("Added 1 jar to the class path.", out.toString(StandardCharsets.UTF_8).strip());
            assertEquals("hi from jar", evaluator.eval("demo.Greeter.hi()").value());
            assertEquals("HI FROM JAR", magics.run(new Magics.Magic("load", List.of(script.toString()))).value());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> magics.run(new Magics.Magic("nope", List.of())));
            assertTrue(e.getMessage().contains("unknown magic %nope"), e.getMessage());
        }
    }

    @Test
    void mavenResolvesCoordinatesWithTheBuildsMaven(@TempDir Path dir) {
        // opentest4j is a JUnit dependency, so the local repository has it and no network is needed.
        List<Path> jars = new MavenResolver("mvn", dir).resolve(List.of("org.opentest4j:opentest4j:1.3.0"));
        assertTrue(jars.stream().anyMatch(j -> j.getFileName().toString().equals("opentest4j-1.3.0.jar")), jars.toString());
        assertEquals("opentest4j", MavenResolver.artifactIdOf(jars.get(0)));
    }

    @Test
    void mavenKeepsTheKernelsOwnArtifacts() {
        String cp = String.join(java.io.File.pathSeparator, "/x/lib/gson-2.13.1.jar", "/x/classes");
        assertTrue(MavenResolver.onClassPath("gson", cp));
        assertFalse(MavenResolver.onClassPath("gson-extras", cp));
        assertEquals("gson", MavenResolver.artifactIdOf(Path.of("/r/com/google/code/gson/gson/2.8.9/gson-2.8.9.jar")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MavenResolver("mvn", Path.of("/tmp")).resolve(List.of("not coordinates")));
        assertTrue(e.getMessage().contains("not Maven coordinates"), e.getMessage());
    }
}
