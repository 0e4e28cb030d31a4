package org.routelab.backbone.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The safetensors weights of a Hugging Face model folder: {@code model.safetensors}, or the shards
 * listed by {@code model.safetensors.index.json}, with each tensor name mapped to its file.
 */
final class WeightFiles implements AutoCloseable {
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    private static final String PICKLE = "pytorch_model.bin";
    private static final String PICKLE_INDEX = "pytorch_model.bin.index.json";

    private final String description;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private WeightFiles(String description, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.description = description;
        this.files = files;
        this.byTensor = byTensor;
    }

    /**
     * Finds and opens the weights of a folder, preferring {@code model.safetensors} over an index as
     * Hugging Face does.
     *
     * @param folder the model folder
     * @return the open weights; close them when done
     * @throws CheckpointException if the folder or its weights are missing, only PyTorch pickles are
     *     present, or the index or a shard is invalid
     */
    static WeightFiles open(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new CheckpointException("checkpoint folder not found: " + folder);
        }
        Path single = folder.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byTensor = new TreeMap<>();
            file.names().forEach(n -> byTensor.put(n, file));
            return new WeightFiles(single.toString(), List.of(file), byTensor);
        }
        Path index = folder.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return openSharded(folder, index);
        }
        for (String pickle : List.of(PICKLE, PICKLE_INDEX)) {
            if (Files.exists(folder.resolve(pickle))) {
                throw new CheckpointException("checkpoint folder " + folder + " has PyTorch pickle weights (" + pickle
                        + ") but no " + SINGLE + " or " + INDEX + ". RouteLab reads safetensors only, never"
                        + " PyTorch pickles (unpickling can run arbitrary code). Convert the checkpoint first: the"
                        + " project's data-scripts do, or in Python: sd = torch.load('" + PICKLE
                        + "', weights_only=True); safetensors.torch.save_file({k: v.contiguous().clone() for k, v"
                        + " in sd.items()}, '" + SINGLE + "', metadata={'format': 'pt'})");
            }
        }
        throw new CheckpointException("no " + SINGLE + " or " + INDEX + " in checkpoint folder " + folder);
    }

    private static WeightFiles openSharded(Path folder, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String tensor = e.getKey();
                String shardName = e.getValue();
                // Shard names are plain file names; anything else could point outside the folder.
                if (!isPlainFileName(shardName)) {
                    throw new CheckpointException(
                            index + " maps tensor '" + tensor + "' to '" + shardName + "', which is not a file name");
                }
                Path shardPath = folder.resolve(shardName);
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    if (!Files.isRegularFile(shardPath)) {
                        throw new CheckpointException("shard " + shardPath + " (listed in " + index + " for tensor '"
                                + tensor + "') not found");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                if (!shard.contains(tensor)) {
                    throw new CheckpointException(
                            index + " maps tensor '" + tensor + "' to " + shardPath + ", which has no such tensor");
                }
                byTensor.put(tensor, shard);
            }
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        String description = index + " (shards: " + String.join(", ", shards.keySet()) + ")";
        return new WeightFiles(description, new ArrayList<>(shards.values()), byTensor);
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0;
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + index + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointException(index + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
        if (map == null || !map.isJsonObject()) {
            throw new CheckpointException(index + " has no \"weight_map\" object");
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : ((JsonObject) map).entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new CheckpointException(index + " maps tensor '" + e.getKey() + "' to a non-string");
            }
            out.put(e.getKey(), v.getAsString());
        }
        return out;
    }

    /** Returns what was opened, for messages: the file, or the index and its shards. */
    String description() {
        return description;
    }

    /** Returns the opened files. */
    List<SafetensorsFile> files() {
        return files;
    }

    /** Returns every tensor name, sorted. */
    Set<String> names() {
        return Collections.unmodifiableSet(byTensor.keySet());
    }

    /**
     * Returns the file holding a tensor.
     *
     * @param tensor the tensor name
     * @return its file, or null if no file holds it
     */
    SafetensorsFile fileOf(String tensor) {
        return byTensor.get(tensor);
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
