package org.routelab.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.routelab.analysis.AdapterWeights;
import org.routelab.eval.SeedAggregate;
import org.routelab.util.AtomicFiles;

/**
 * The result files of a run folder: {@code results.json} (everything an {@link ExperimentResult}
 * holds, read back by {@link #read} so notebooks load runs made elsewhere, e.g. on a GPU) and {@code
 * results.csv} (one row per held-out task and seed, for spreadsheets). Both are written atomically.
 */
public final class ResultFiles {
    /** The JSON file's name. */
    public static final String JSON = "results.json";
    /** The CSV file's name. */
    public static final String CSV = "results.csv";
    /** Where a run folder keeps the trained multi-task parameters. */
    private static final Path MULTITASK_WEIGHTS = Path.of(MultitaskPhase.DIR, Multitask.WEIGHTS);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private ResultFiles() {}

    /**
     * Writes a result into a run folder.
     *
     * @param dir the run folder (created if absent)
     * @param result the result
     * @throws UncheckedIOException if a file cannot be written
     */
    public static void write(Path dir, ExperimentResult result) {
        JsonObject json = new JsonObject();
        json.addProperty("name", result.name());
        json.addProperty("method", result.method());
        json.add("seeds", GSON.toJsonTree(result.seeds()));
        JsonObject tasks = new JsonObject();
        StringBuilder csv = new StringBuilder("task,seed,accuracy\n");
        result.accuracyPerTask().keySet().forEach(task -> {
            JsonObject perSeed = new JsonObject();
            for (int seed : result.seeds()) {
                double score = result.scores().score(task, seed);
                perSeed.addProperty(Integer.toString(seed), score);
                csv.append(quote(task)).append(',').append(seed).append(',')
                        .append(String.format(Locale.ROOT, "%.6f", score)).append('\n');
            }
            tasks.add(task, perSeed);
        });
        json.add("accuracy", tasks);
        json.addProperty("mean_accuracy", result.meanAccuracy());
        json.addProperty("trainable_multitask", result.trainableMultitask());
        json.addProperty("trainable_adaptation", result.trainableAdaptation());
        json.add("multitask_losses", GSON.toJsonTree(result.multitaskLosses()));
        json.add("adaptation", GSON.toJsonTree(result.adaptation()));
        json.addProperty("wall_seconds", result.wallSeconds());
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(dir.resolve(CSV), csv.toString());
            AtomicFiles.writeString(dir.resolve(JSON), GSON.toJson(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir, e);
        }
    }

    /**
     * Reads the result of a run folder (or of a {@code results.json} file itself), with the trained
     * multi-task parameters when the folder holds them ({@code multitask/adapters.safetensors}).
     *
     * @param path the run folder or the file
     * @return the result
     * @throws IllegalArgumentException naming the file and field when the file is malformed
     * @throws UncheckedIOException if the file cannot be read
     */
    public static ExperimentResult read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(JSON) : path;
        JsonObject json;
        ExperimentResult result;
        try {
            json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a JSON object: " + e.getMessage(), e);
        }
        try {
            List<Integer> seeds = new ArrayList<>();
            json.getAsJsonArray("seeds").forEach(e -> seeds.add(e.getAsInt()));
            SeedAggregate scores = new SeedAggregate();
            for (var task : json.getAsJsonObject("accuracy").entrySet()) {
                for (var seed : task.getValue().getAsJsonObject().entrySet()) {
                    scores.add(task.getKey(), Integer.parseInt(seed.getKey()), seed.getValue().getAsDouble());
                }
            }
            List<Float> losses = new ArrayList<>();
            json.getAsJsonArray("multitask_losses").forEach(e -> losses.add(e.getAsFloat()));
            List<AdaptationCurve> curves = new ArrayList<>();
            JsonElement adaptation = json.get("adaptation");
            if (adaptation != null) {
                for (JsonElement c : (JsonArray) adaptation) {
                    curves.add(GSON.fromJson(c, AdaptationCurve.class));
                }
            }
            result = new ExperimentResult(json.get("name").getAsString(), json.get("method").getAsString(), scores,
                    seeds, json.get("trainable_multitask").getAsLong(), json.get("trainable_adaptation").getAsLong(),
                    losses, curves, json.get("wall_seconds").getAsDouble(), AdapterWeights.EMPTY, List.of());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": missing or malformed field (" + e.getMessage() + ")", e);
        }
        Path adapters = file.toAbsolutePath().getParent().resolve(MULTITASK_WEIGHTS);
        if (!Files.exists(adapters)) {
            return result;
        }
        return new ExperimentResult(result.name(), result.method(), result.scores(), result.seeds(),
                result.trainableMultitask(), result.trainableAdaptation(), result.multitaskLosses(),
                result.adaptation(), result.wallSeconds(), AdapterWeights.read(adapters, result.multitaskLosses().size()),
                List.of());
    }

    private static String quote(String value) {
        return value.contains(",") || value.contains("\"") ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }
}
