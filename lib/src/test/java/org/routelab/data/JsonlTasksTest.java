package org.routelab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonlTasksTest {
    private static final String GOOD = "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\"}";

    @TempDir
    Path dir;

    static TaskSuite suite() {
        Task rte = new Task("super_glue/rte", List.of(
                Example.withChoices("super_glue/rte", "Premise: \"quoted\" <b>\nHypothesis: é", List.of("yes", "no"), 1),
                Example.withChoices("super_glue/rte", "second", List.of("yes", "no"), 0)));
        Task gen = new Task("summarise", List.of(Example.of("summarise", "a b c", "a < b")));
        Task held = new Task("copa", List.of(Example.withChoices("copa", "because", List.of("c1", "c2", "c3"), 2)));
        return new TaskSuite(List.of(rte, gen), List.of(held));
    }

    @Test
    void suiteRoundTripsThroughAFolder() throws IOException {
        TaskSuite suite = suite();
        Path folder = dir.resolve("suite");
        JsonlTasks.writeSuite(folder, suite);
        TaskSuite back = JsonlTasks.readSuite(folder);
        assertEquals(suite, back);
        assertEquals(1, back.taskId("summarise"));
        assertEquals(List.of("c1", "c2", "c3"), back.task("copa").examples().get(0).answerChoices());
        // HTML characters are written as they are, one example per line.
        String train = Files.readString(folder.resolve(JsonlTasks.TRAINING_FILE));
        assertTrue(train.contains("a < b"), train);
        assertEquals(3, train.lines().count());

        JsonlTasks.writeSuite(folder, new TaskSuite(suite.training(), List.of()));
        assertFalse(Files.exists(folder.resolve(JsonlTasks.HELDOUT_FILE)), "stale held-out file removed");
        assertEquals(List.of(), JsonlTasks.readSuite(folder).heldout());
    }

    @Test
    void tasksGroupInOrderOfFirstLineLabelsCanBeDerivedAndAByteOrderMarkIsSkipped() throws IOException {
        Path file = dir.resolve("mixed.jsonl");
        Files.writeString(file, "\uFEFF" + String.join("\n",
                "{\"task\": \"b\", \"input\": \"1\", \"target\": \"one\"}",
                "",
                "{\"task\": \"a\", \"input\": \"2\", \"target\": \"no\", \"answer_choices\": [\"yes\", \"no\"]}",
                "{\"task\": \"b\", \"input\": \"3\", \"target\": \"three\", \"answer_choices\": null, \"label\": null}",
                ""));
        List<Task> tasks = JsonlTasks.read(file);
        assertEquals(List.of("b", "a"), tasks.stream().map(Task::name).toList());
        assertEquals(List.of("1", "3"), tasks.get(0).examples().stream().map(Example::input).toList());
        assertEquals(1, tasks.get(1).examples().get(0).label());
        assertFalse(tasks.get(0).examples().get(1).hasChoices());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"task\": \"t\", \"input\": \"x\"}                        | missing field 'target'",
        "{\"task\": \"t\", \"input\": \"x\",                        | malformed JSON",
        "[1, 2]                                                     | expected a JSON object",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\"} 7      | malformed JSON",
        "{task: \"t\", \"input\": \"x\", \"target\": \"y\"}            | malformed JSON",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choice\": []} | unknown field 'answer_choice'",
        "{\"task\": \"t\", \"target\": \"y\"}                         | missing field 'input'",
        "{\"task\": \"\", \"input\": \"x\", \"target\": \"y\"}          | field 'task' is empty",
        "{\"task\": \"t\", \"input\": 3, \"target\": \"y\"}            | field 'input' must be a string, got 3",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"n\"], \"label\": 2} | label 2 is outside answer_choices (size 2)",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"n\"], \"label\": -1} | label -1 is outside answer_choices",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"n\"], \"label\": 1.5} | field 'label' must be an integer, got 1.5",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"n\"], \"label\": 1} | target 'y' differs from answer_choices[1] 'n'",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"label\": 0} | label 0 given without answer_choices",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"a\", \"b\"]} | appears nowhere in answer_choices",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"y\"]} | appears more than once",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", 4], \"label\": 0} | answer_choices[1] must be a string",
        "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\"], \"label\": 0} | at least 2 choices",
    })
    void badLinesNameFileAndLine(String line, String expected) throws IOException {
        Path file = dir.resolve("bad.jsonl");
        // Two good lines and a blank one first: the bad line is line 4.
        Files.writeString(file, GOOD + "\n" + GOOD + "\n\n" + line.strip() + "\n" + GOOD + "\n");
        TaskFileException e = assertThrows(TaskFileException.class, () -> JsonlTasks.read(file));
        assertTrue(e.getMessage().startsWith(file + ":4: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
        assertEquals(4, e.line());
    }

    @Test
    void emptyFilesMissingSplitsAndSplitOverlapsAreErrors() throws IOException {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n  \n");
        TaskFileException e = assertThrows(TaskFileException.class, () -> JsonlTasks.read(empty));
        assertTrue(e.getMessage().startsWith(empty + ": no examples"), e.getMessage());

        TaskFileException missing = assertThrows(TaskFileException.class, () -> JsonlTasks.readSuite(dir));
        assertTrue(missing.getMessage().contains(JsonlTasks.TRAINING_FILE + ": not found"), missing.getMessage());

        Files.writeString(dir.resolve(JsonlTasks.TRAINING_FILE), GOOD + "\n");
        Files.writeString(dir.resolve(JsonlTasks.HELDOUT_FILE),
                "{\"task\": \"t\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"n\"]}\n");
        TaskFileException overlap = assertThrows(TaskFileException.class, () -> JsonlTasks.readSuite(dir));
        assertTrue(overlap.getMessage().contains(JsonlTasks.HELDOUT_FILE), overlap.getMessage());
        assertTrue(overlap.getMessage().contains("held-out task 't' is also a training task"), overlap.getMessage());

        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, (GOOD + "\n{\"task\": \"t\", \"input\": \"caf\u00e9\", \"target\": \"y\"}\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        TaskFileException coding = assertThrows(TaskFileException.class, () -> JsonlTasks.read(latin1));
        assertTrue(coding.getMessage().contains("not valid UTF-8"), coding.getMessage());
    }

    @Test
    void inMemoryValidationNamesTheProblem() {
        var emptyTask = assertThrows(IllegalArgumentException.class, () -> new Task("t", List.of()));
        assertEquals("task 't' has no examples", emptyTask.getMessage());
        var wrongTask = assertThrows(IllegalArgumentException.class,
                () -> new Task("t", List.of(Example.of("u", "x", "y"))));
        assertTrue(wrongTask.getMessage().contains("names task 'u'"), wrongTask.getMessage());
        var blank = assertThrows(IllegalArgumentException.class, () -> Example.of("t", " ", "y"));
        assertEquals("input is empty", blank.getMessage());

        Task t = new Task("t", List.of(Example.of("t", "x", "y")));
        var dup = assertThrows(IllegalArgumentException.class, () -> new TaskSuite(List.of(t, t), List.of()));
        assertTrue(dup.getMessage().contains("'t' appears twice"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaskSuite(List.of(), List.of(t)));

        TaskSuite s = suite();
        assertEquals(0, s.taskId("super_glue/rte"));
        assertEquals("summarise", s.trainingTask(1).name());
        assertTrue(s.isTraining("summarise"));
        assertFalse(s.isTraining("copa"));
        var heldId = assertThrows(IllegalArgumentException.class, () -> s.taskId("copa"));
        assertTrue(heldId.getMessage().contains("held out"), heldId.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.task("nowhere"));
        assertThrows(IllegalArgumentException.class, () -> s.trainingTask(2));
    }

    @Test
    void invalidUtf8IsReportedOnItsOwnLine() throws IOException {
        // Long lines before the bad one: a buffered decoder reads ahead and used to blame an earlier line.
        String padded = "{\"task\": \"t\", \"input\": \"" + "x ".repeat(2000) + "\", \"target\": \"y\"}\n";
        for (int bad : new int[] {7, 200}) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (int line = 1; line < bad; line++) {
                bytes.writeBytes(padded.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            bytes.writeBytes("{\"task\": \"t\", \"input\": \"caf".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            bytes.write(0xE9); // Latin-1 e-acute: not UTF-8
            bytes.writeBytes("\", \"target\": \"y\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            bytes.writeBytes(padded.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Path file = dir.resolve("bad" + bad + ".jsonl");
            Files.write(file, bytes.toByteArray());
            TaskFileException e = assertThrows(TaskFileException.class, () -> JsonlTasks.read(file));
            assertEquals(bad, e.line(), e.getMessage());
            assertTrue(e.getMessage().startsWith(file + ":" + bad + ": not valid UTF-8"), e.getMessage());
        }
    }

    @Test
    void linesOverTheLimitAreErrorsNamingTheLine() throws IOException {
        Path file = dir.resolve("long.jsonl");
        String longLine = "{\"task\": \"t\", \"input\": \"" + "x".repeat(JsonlTasks.MAX_LINE_BYTES) + "\", \"target\": \"y\"}";
        Files.writeString(file, GOOD + "\n" + GOOD + "\n" + longLine + "\n" + GOOD + "\n");
        TaskFileException e = assertThrows(TaskFileException.class, () -> JsonlTasks.read(file));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("longer than " + JsonlTasks.MAX_LINE_BYTES + " bytes"), e.getMessage());
        // Just under the limit reads fine, also without a final newline and with Windows line ends.
        String fits = "{\"task\": \"t\", \"input\": \"" + "x".repeat(JsonlTasks.MAX_LINE_BYTES - 100) + "\", \"target\": \"y\"}";
        Files.writeString(file, GOOD + "\r\n" + fits);
        assertEquals(2, JsonlTasks.read(file).get(0).size());
    }

    @Test
    void heldOutExamplesWithoutAnswerChoicesAreErrorsNamingTheLine() throws IOException {
        Path folder = dir.resolve("nochoices");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(JsonlTasks.TRAINING_FILE), GOOD + "\n");
        String scored = "{\"task\": \"h\", \"input\": \"x\", \"target\": \"y\", \"answer_choices\": [\"y\", \"n\"]}";
        Files.writeString(folder.resolve(JsonlTasks.HELDOUT_FILE), scored + "\n" + scored + "\n"
                + "{\"task\": \"h\", \"input\": \"x\", \"target\": \"y\"}\n");
        TaskFileException e = assertThrows(TaskFileException.class, () -> JsonlTasks.readSuite(folder));
        assertTrue(e.getMessage().startsWith(folder.resolve(JsonlTasks.HELDOUT_FILE) + ":3: no answer_choices"),
                e.getMessage());
    }
}
