package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.experiment.RunFolder.Command;

class RunFolderTest {
    @TempDir
    Path dir;

    private final List<String> notices = new ArrayList<>();

    private static RunSettings settings(Object... keyValues) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        Map<String, JsonNode> values = new TreeMap<>(Map.of("method.name", json.textNode("poly"),
                "multitask.steps", json.numberNode(40), "multitask.lr", json.numberNode(0.03f),
                "adaptation.steps", json.numberNode(10), "seeds", json.arrayNode().add(0)));
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            values.put((String) keyValues[i], v instanceof Integer n ? json.numberNode(n)
                    : v instanceof Float f ? json.numberNode(f) : json.textNode((String) v));
        }
        return new RunSettings(new TreeMap<>(values));
    }

    private void open(RunSettings s, Command command, boolean restart) {
        RunFolder.open(dir, s, command, restart, notices::add).close();
    }

    private String refused(RunSettings s, Command command) {
        return assertThrows(RunFolderException.class, () -> open(s, command, false)).getMessage();
    }

    /** Fakes training that completed {@code steps} steps (a checkpoint), finished or not. */
    private void trained(int steps, boolean finished) throws IOException {
        Path checkpoint = dir.resolve("multitask/checkpoints/step-" + String.format("%07d", steps));
        Files.createDirectories(checkpoint);
        Files.writeString(checkpoint.resolve("trainer.json"), "{\"step\": " + steps + "}");
        Files.writeString(dir.resolve("multitask/checkpoints/latest"), checkpoint.getFileName().toString());
        if (finished) {
            Files.writeString(dir.resolve("multitask/multitask.json"), "{}");
            Files.writeString(dir.resolve("multitask/adapters.safetensors"), "weights");
        }
    }

    @Test
    void aChangedConfigIsRefusedNamingEachKeyWithItsOldAndNewValue() throws IOException {
        open(settings(), Command.TRAIN, false);
        String record = Files.readString(dir.resolve(RunFolder.RECORD));
        assertTrue(record.contains("\"digest\" : \"sha256:") && record.contains("\"multitask.lr\" : 0.03"), record);
        trained(20, false);
        // Resumed at step 20 with another learning rate, or trained again with another method: refused.
        String lr = refused(settings("multitask.lr", 0.01f, "method.name", "mhr"), Command.TRAIN);
        assertTrue(lr.contains("method.name: \"poly\" -> \"mhr\"; multitask.lr: 0.03 -> 0.01"), lr);
        assertTrue(lr.contains("--restart"), lr);
        // adapt and eval with another method: refused before any model is built.
        assertTrue(refused(settings("method.name", "mhr"), Command.ADAPT).contains("Run train --restart"));
        assertTrue(refused(settings("method.name", "mhr"), Command.EVAL).contains("method.name"));
        // Keys that do not change results (absent from the settings) and equal values pass.
        open(settings(), Command.TRAIN, false);
        assertEquals(List.of(), notices);
    }

    @Test
    void aRecordOfACommandThatMadeNothingIsReplaced() throws IOException {
        // A train refused later (its backbone had no such projection) recorded its config but made nothing.
        open(settings("method.name", "mhr"), Command.TRAIN, false);
        open(settings(), Command.TRAIN, false);
        assertTrue(Files.readString(dir.resolve(RunFolder.RECORD)).contains("\"method.name\" : \"poly\""));
        assertEquals(List.of(), notices);
    }

    @Test
    void restartMovesTheOldContentsAsideWithoutDeletingThem() throws IOException {
        open(settings(), Command.TRAIN, false);
        trained(40, true);
        Files.writeString(dir.resolve(ResultFiles.JSON), "{}");
        open(settings("multitask.lr", 0.01f), Command.TRAIN, true);
        Path aside;
        try (Stream<Path> s = Files.list(dir.resolve(RunFolder.SUPERSEDED))) {
            aside = s.findFirst().orElseThrow();
        }
        assertTrue(Files.exists(aside.resolve("multitask/checkpoints/step-0000040/trainer.json")));
        assertTrue(Files.exists(aside.resolve(ResultFiles.JSON)));
        assertTrue(Files.readString(aside.resolve(RunFolder.RECORD)).contains("\"multitask.lr\" : 0.03"));
        assertFalse(Files.exists(dir.resolve("multitask")));
        assertTrue(Files.readString(dir.resolve(RunFolder.RECORD)).contains("\"multitask.lr\" : 0.01"));
        assertTrue(notices.get(0).startsWith("moved the old multitask, results.json, run-config.json"), notices.get(0));
    }

    @Test
    void stepsChangeOnlyWhereTheCompletedStepsStayTheSame() throws IOException {
        open(settings(), Command.TRAIN, false);
        trained(38, false);
        // Stopped at 38 of 40, rerun with 30: already past the end.
        String shorter = refused(settings("multitask.steps", 30), Command.TRAIN);
        assertTrue(shorter.contains("holds 38 completed steps of a 40-step multi-task training; multitask.steps:"
                + " 40 -> 30 cannot continue it: it is already past step 30"), shorter);
        // 38 of 40 extended to 60: the decay of steps 3-38 was aimed at step 40.
        String longer = refused(settings("multitask.steps", 60), Command.TRAIN);
        assertTrue(longer.contains("the learning-rate schedule (warm-up, then linear decay to 0 at the last step)"
                + " of step 1 differs"), longer);
        // Nothing completed yet: any length is the same run from the start.
        Files.writeString(dir.resolve("multitask/checkpoints/latest"), "step-0000000");
        Files.createDirectories(dir.resolve("multitask/checkpoints/step-0000000"));
        Files.writeString(dir.resolve("multitask/checkpoints/step-0000000/trainer.json"), "{\"step\": 0}");
        open(settings("multitask.steps", 60), Command.TRAIN, false);
        assertTrue(notices.get(0).contains("multitask.steps: 40 -> 60: the 0 completed steps"), notices.toString());
        assertTrue(Files.readString(dir.resolve(RunFolder.RECORD)).contains("\"multitask.steps\" : 60"));
    }

    @Test
    void adaptRefusesToReplaceResultsOfAnotherAdaptationUnlessRestarted() throws IOException {
        open(settings(), Command.TRAIN, false);
        trained(40, true);
        open(settings(), Command.ADAPT, false);
        Files.writeString(dir.resolve(ResultFiles.JSON), "{}");
        open(settings(), Command.ADAPT, false);
        String other = refused(settings("adaptation.steps", 20), Command.ADAPT);
        assertTrue(other.contains(ResultFiles.JSON + " was made with another adaptation config: adaptation.steps:"
                + " 10 -> 20"), other);
        open(settings("adaptation.steps", 20), Command.ADAPT, true);
        assertFalse(Files.exists(dir.resolve(ResultFiles.JSON)));
        assertTrue(Files.exists(dir.resolve("multitask/multitask.json")), "adapt --restart keeps the training");
        assertTrue(Files.readString(dir.resolve(RunFolder.RECORD)).contains("\"adaptation.steps\" : 20"));
    }

    @Test
    void foldersWithoutARecordOrWithABrokenOneSayWhatToDo() throws IOException {
        Files.createDirectories(dir.resolve("multitask"));
        String legacy = refused(settings(), Command.TRAIN);
        assertTrue(legacy.contains("holds multitask but no " + RunFolder.RECORD) && legacy.contains("--restart"), legacy);
        assertTrue(refused(settings(), Command.ADAPT).contains("no " + RunFolder.RECORD));
        Files.delete(dir.resolve("multitask"));
        assertTrue(refused(settings(), Command.ADAPT).contains("run train first"));
        Files.writeString(dir.resolve(RunFolder.RECORD), "{\"multitask\": {\"method.name\": \"po");
        String broken = refused(settings(), Command.TRAIN);
        assertTrue(broken.startsWith("cannot read " + dir.resolve(RunFolder.RECORD)) && broken.contains("--restart"),
                broken);
        open(settings(), Command.TRAIN, true);
        assertEquals(1, notices.size());
    }

    @Test
    void anUnwritableFolderIsRefusedUpFront() throws IOException {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "");
        String e = assertThrows(RunFolderException.class,
                () -> RunFolder.open(file.resolve("run"), settings(), Command.TRAIN, false, notices::add)).getMessage();
        assertTrue(e.startsWith("cannot use " + file.resolve("run") + " as a run folder: "), e);
    }
}
