package org.routelab.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.util.AtomicFiles;

/**
 * Task files in JSONL: one example per line, a JSON object with the fields
 *
 * <ul>
 *   <li>{@code task} (string): the task name;
 *   <li>{@code input} (string), {@code target} (string): the texts;
 *   <li>{@code answer_choices} (optional array of strings) and {@code label} (optional int, the
 *       0-based index of the right choice). When both are given the target must equal
 *       {@code answer_choices[label]}; when only the choices are given the label is the position of
 *       the target among them, which must then appear exactly once. A label without choices is an
 *       error. JSON {@code null} counts as absent.
 * </ul>
 *
 * <p>Any other field is an error (a misspelt {@code answer_choice} would otherwise silently drop the
 * choices). Blank lines and a leading byte-order mark are skipped. A line may hold at most {@value
 * #MAX_LINE_BYTES} bytes of UTF-8. A file may hold several tasks, in any line order; tasks keep the
 * order of their first line, examples the order of their lines. Every error names the file and the
 * 1-based line.
 *
 * <p>A suite on disk is a folder with {@value #TRAINING_FILE} (the training tasks, whose order gives
 * the task ids) and, when there are held-out tasks, {@value #HELDOUT_FILE}, whose examples all need
 * answer choices (they are scored by rank classification). Data scripts that export real benchmarks
 * write this layout.
 */
public final class JsonlTasks {
    /** The training split of a suite folder. */
    public static final String TRAINING_FILE = "train.jsonl";
    /** The held-out split of a suite folder (absent when there are no held-out tasks). */
    public static final String HELDOUT_FILE = "heldout.jsonl";
    /** Validation tasks: held out from training and disjoint from the test tasks, for choosing settings. */
    public static final String VALIDATION_FILE = "validation.jsonl";
    /** The longest line a task file may hold, in bytes (1 MiB); a longer one is an error naming its line. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    private static final Set<String> FIELDS = Set.of("task", "input", "target", "answer_choices", "label");
    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
    // No HTML escaping: choices such as "<unk>" or "a < b" stay readable in the file.
    private static final Gson WRITER = new GsonBuilder().disableHtmlEscaping().create();

    private JsonlTasks() {}

    /**
     * Reads the tasks of one file.
     *
     * @param file a JSONL task file
     * @return its tasks, in the order of their first line
     * @throws IOException if the file cannot be read
     * @throws TaskFileException if a line is malformed or invalid, or the file has no examples
     */
    public static List<Task> read(Path file) throws IOException {
        return read(file, false);
    }

    /** Reads a task file; with {@code scored}, every example must have answer choices. */
    private static List<Task> read(Path file, boolean scored) throws IOException {
        Map<String, List<Example>> byTask = new LinkedHashMap<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            int lineNo = 1;
            for (int n; (n = in.read(buffer)) >= 0;) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        pending.write(buffer, start, i - start);
                        checkLength(file, lineNo, pending.size());
                        line(file, lineNo, decode(file, lineNo, pending.toByteArray(), utf8), scored, byTask);
                        lineNo++;
                        pending.reset();
                        start = i + 1;
                    }
                }
                pending.write(buffer, start, n - start);
                checkLength(file, lineNo, pending.size());
            }
            if (pending.size() > 0) {
                line(file, lineNo, decode(file, lineNo, pending.toByteArray(), utf8), scored, byTask);
            }
        }
        if (byTask.isEmpty()) {
            throw new TaskFileException(file, 0, "no examples (the file is empty)");
        }
        List<Task> tasks = new ArrayList<>(byTask.size());
        byTask.forEach((name, examples) -> tasks.add(new Task(name, examples)));
        return List.copyOf(tasks);
    }

    private static void checkLength(Path file, int lineNo, int bytes) {
        if (bytes > MAX_LINE_BYTES) {
            throw new TaskFileException(file, lineNo, "line longer than " + MAX_LINE_BYTES + " bytes, the limit of"
                    + " a task file's line; shorten the example");
        }
    }

    private static String decode(Path file, int lineNo, byte[] bytes, CharsetDecoder utf8) {
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TaskFileException(file, lineNo, "not valid UTF-8", e);
        }
    }

    private static void line(Path file, int lineNo, String line, boolean scored,
            Map<String, List<Example>> byTask) {
        if (lineNo == 1 && line.startsWith("\uFEFF")) {
            // A byte-order mark, as Python's utf-8-sig and some editors write.
            line = line.substring(1);
        }
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (!line.isBlank()) {
            Example e = parse(file, lineNo, line);
            if (scored && !e.hasChoices()) {
                throw new TaskFileException(file, lineNo, "no answer_choices: held-out examples are scored by rank"
                        + " classification over their answer choices");
            }
            byTask.computeIfAbsent(e.task(), k -> new ArrayList<>()).add(e);
        }
    }

    /**
     * Writes tasks to one file, atomically.
     *
     * @param file the target file; its folder must exist
     * @param tasks the tasks (at least one)
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, List<Task> tasks) throws IOException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException(file + ": no tasks to write (an empty task file is invalid)");
        }
        AtomicFiles.writeStream(file, out -> writeLines(out, tasks));
    }

    /**
     * Returns the SHA-256 of the JSONL text that {@link #write} writes for tasks: equal digests mean
     * equal examples in equal order.
     *
     * @param tasks the tasks
     * @return the digest as {@code sha256:hex}
     */
    public static String digest(List<Task> tasks) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            writeLines(new DigestOutputStream(OutputStream.nullOutputStream(), sha), tasks);
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("hashing in memory cannot fail", e);
        }
    }

    /** Writes one JSON line per example; the stream stays open. */
    private static void writeLines(OutputStream out, List<Task> tasks) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        for (Task t : tasks) {
            for (Example e : t.examples()) {
                WRITER.toJson(toJson(e), w);
                w.write('\n');
            }
        }
        w.flush();
    }

    /**
     * Reads a suite folder (see the class comment for the layout).
     *
     * @param folder the folder
     * @return the suite
     * @throws IOException if a file cannot be read
     * @throws TaskFileException if the training file is missing, a file is invalid, a held-out
     *     example has no answer choices, or a held-out task is also a training task
     */
    public static TaskSuite readSuite(Path folder) throws IOException {
        Path train = folder.resolve(TRAINING_FILE);
        if (!Files.isRegularFile(train)) {
            throw new TaskFileException(train, 0,
                    "not found; a suite folder holds " + TRAINING_FILE + " and optionally " + HELDOUT_FILE);
        }
        Path heldout = folder.resolve(HELDOUT_FILE);
        List<Task> heldoutTasks = Files.exists(heldout) ? read(heldout, true) : List.of();
        try {
            return new TaskSuite(read(train), heldoutTasks);
        } catch (IllegalArgumentException e) {
            throw new TaskFileException(heldout, 0, e.getMessage(), e);
        }
    }

    /**
     * Reads a suite folder's validation tasks ({@value #VALIDATION_FILE}).
     *
     * @param folder the folder
     * @return the tasks, or an empty list when the folder has none
     * @throws IOException if the file cannot be read
     */
    public static List<Task> readValidation(Path folder) throws IOException {
        Path file = folder.resolve(VALIDATION_FILE);
        return Files.exists(file) ? read(file) : List.of();
    }

    /**
     * Writes a suite folder (see the class comment for the layout), creating the folder if needed.
     *
     * @param folder the folder
     * @param suite the suite
     * @throws IOException if a file cannot be written
     */
    public static void writeSuite(Path folder, TaskSuite suite) throws IOException {
        Files.createDirectories(folder);
        write(folder.resolve(TRAINING_FILE), suite.training());
        Path heldout = folder.resolve(HELDOUT_FILE);
        if (suite.heldout().isEmpty()) {
            // A stale file from an earlier suite would otherwise be read back as this suite's.
            Files.deleteIfExists(heldout);
        } else {
            write(heldout, suite.heldout());
        }
    }

    private static JsonObject toJson(Example e) {
        JsonObject o = new JsonObject();
        o.addProperty("task", e.task());
        o.addProperty("input", e.input());
        o.addProperty("target", e.target());
        if (e.hasChoices()) {
            JsonArray choices = new JsonArray();
            e.answerChoices().forEach(choices::add);
            o.add("answer_choices", choices);
            o.addProperty("label", e.label());
        }
        return o;
    }

    private static Example parse(Path file, int lineNo, String line) {
        JsonElement element;
        try {
            JsonReader reader = new JsonReader(new StringReader(line));
            element = JSON.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new TaskFileException(file, lineNo, "malformed JSON: text after the object");
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new TaskFileException(file, lineNo, "malformed JSON: " + e.getMessage(), e);
        }
        if (!element.isJsonObject()) {
            throw new TaskFileException(file, lineNo, "expected a JSON object, got " + abbreviate(element));
        }
        JsonObject o = element.getAsJsonObject();
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new TaskFileException(file, lineNo, "unknown field '" + key + "' (allowed: task, input, "
                        + "target, answer_choices, label)");
            }
        }
        String task = text(file, lineNo, o, "task");
        String input = text(file, lineNo, o, "input");
        String target = text(file, lineNo, o, "target");
        List<String> choices = choices(file, lineNo, o);
        Integer label = label(file, lineNo, o);
        if (label == null && !choices.isEmpty()) {
            label = uniqueIndex(file, lineNo, choices, target);
        }
        try {
            return new Example(task, input, target, choices, label == null ? Example.NO_LABEL : label);
        } catch (IllegalArgumentException e) {
            throw new TaskFileException(file, lineNo, e.getMessage(), e);
        }
    }

    private static String text(Path file, int lineNo, JsonObject o, String field) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) {
            throw new TaskFileException(file, lineNo, "missing field '" + field + "'");
        }
        if (!isString(v)) {
            throw new TaskFileException(file, lineNo, "field '" + field + "' must be a string, got " + abbreviate(v));
        }
        String s = v.getAsString();
        if (s.isBlank()) {
            throw new TaskFileException(file, lineNo, "field '" + field + "' is empty");
        }
        return s;
    }

    private static List<String> choices(Path file, int lineNo, JsonObject o) {
        JsonElement v = o.get("answer_choices");
        if (v == null || v.isJsonNull()) {
            return List.of();
        }
        if (!v.isJsonArray()) {
            throw new TaskFileException(file, lineNo,
                    "field 'answer_choices' must be an array of strings, got " + abbreviate(v));
        }
        List<String> out = new ArrayList<>();
        JsonArray a = v.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) {
            if (!isString(a.get(i))) {
                throw new TaskFileException(file, lineNo,
                        "answer_choices[" + i + "] must be a string, got " + abbreviate(a.get(i)));
            }
            out.add(a.get(i).getAsString());
        }
        return out;
    }

    private static Integer label(Path file, int lineNo, JsonObject o) {
        JsonElement v = o.get("label");
        if (v == null || v.isJsonNull()) {
            return null;
        }
        if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber())) {
            throw new TaskFileException(file, lineNo, "field 'label' must be an integer, got " + abbreviate(v));
        }
        try {
            return v.getAsBigDecimal().intValueExact();
        } catch (ArithmeticException e) {
            throw new TaskFileException(file, lineNo, "field 'label' must be an integer, got " + abbreviate(v), e);
        }
    }

    private static int uniqueIndex(Path file, int lineNo, List<String> choices, String target) {
        int index = choices.indexOf(target);
        if (index < 0 || choices.lastIndexOf(target) != index) {
            throw new TaskFileException(file, lineNo, "no 'label', and the target '" + target + "' appears "
                    + (index < 0 ? "nowhere" : "more than once") + " in answer_choices " + choices);
        }
        return index;
    }

    private static boolean isString(JsonElement v) {
        return v.isJsonPrimitive() && ((JsonPrimitive) v).isString();
    }

    private static String abbreviate(JsonElement v) {
        String s = v.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
