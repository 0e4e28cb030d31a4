package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.routelab.analysis.AdapterWeights;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.checkpoint.SafetensorsFile;
import org.routelab.backbone.checkpoint.SafetensorsWriter;
import org.routelab.nn.Parameter;
import org.routelab.train.MetricsLog;
import org.routelab.util.AtomicFiles;

/**
 * The outcome of multi-task training: the trained parameters (experts and routers), the loss curve,
 * how many parameters trained and the snapshots taken on the way (kept in memory only). In a run folder
 * it is {@code adapters.safetensors} plus {@code multitask.json}, written last, so a folder with {@code
 * multitask.json} holds finished training.
 */
record Multitask(Map<String, NDArray> weights, List<Float> losses, long trainableCount,
        List<AdapterWeights> snapshots) {
    static final Multitask NONE = new Multitask(Map.of(), List.of(), 0, List.of());
    /** The trained parameters' file in the multi-task folder of a run. */
    static final String WEIGHTS = "adapters.safetensors";
    /** The summary, written last: its presence marks finished training. */
    static final String SUMMARY = "multitask.json";

    /** Copies a trained model's trainable parameters into {@code manager}. */
    static Multitask of(LanguageModel model, List<Float> losses, List<AdapterWeights> snapshots, NDManager manager) {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, p) -> {
            NDArray copy = p.array().duplicate();
            copy.attach(manager);
            weights.put(name, copy);
        });
        return new Multitask(weights, List.copyOf(losses), model.trainableParameterCount(), List.copyOf(snapshots));
    }

    /** Returns the trained parameters copied to the heap, at the last step. */
    AdapterWeights heapWeights() {
        return weights.isEmpty() ? AdapterWeights.EMPTY : AdapterWeights.copyOf(weights, losses.size());
    }

    /** Sets a freshly injected model's parameters to the trained values. */
    void loadInto(LanguageModel model) {
        Map<String, Parameter> params = model.namedParameters();
        weights.forEach((name, value) -> {
            Parameter p = params.get(name);
            if (p == null) {
                throw new IllegalStateException("multi-task parameter " + name
                        + " does not exist in the model; was it trained with another method or backbone?");
            }
            p.set(value.duplicate());
        });
    }

    /** Writes the folder layout; the loss curve comes from the trainer's metrics log when there is one. */
    void write(Path dir) {
        try {
            Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve(WEIGHTS), weights);
            JsonObject summary = new JsonObject();
            summary.addProperty("trainable_parameters", trainableCount);
            summary.addProperty("steps", losses.size());
            AtomicFiles.writeString(dir.resolve(SUMMARY), summary.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write multi-task training to " + dir, e);
        }
    }

    /** Reads a finished training from its folder, or nothing when it has not finished there. */
    static Optional<Multitask> read(Path dir, NDManager manager) {
        Path summaryFile = dir.resolve(SUMMARY);
        if (!Files.exists(summaryFile)) {
            return Optional.empty();
        }
        try {
            JsonObject summary = JsonParser.parseString(Files.readString(summaryFile)).getAsJsonObject();
            Map<String, NDArray> weights = new LinkedHashMap<>();
            try (SafetensorsFile file = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
                for (String name : file.names()) {
                    weights.put(name, file.read(name, DataType.FLOAT32, manager));
                }
            }
            Path metrics = dir.resolve(MetricsLog.FILE);
            List<Float> losses = Files.exists(metrics) ? MetricsLog.losses(metrics) : List.of();
            return Optional.of(new Multitask(weights, losses, summary.get("trainable_parameters").getAsLong(),
                    List.of()));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read multi-task training from " + summaryFile + ": "
                    + e.getMessage(), e);
        }
    }
}
