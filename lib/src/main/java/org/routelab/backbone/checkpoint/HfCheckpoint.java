package org.routelab.backbone.checkpoint;

import ai.djl.ndarray.NDArray;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.util.AtomicFiles;

/**
 * Loads and saves the weights of a {@link Module} as a Hugging Face model folder: {@code
 * model.safetensors}, or shards {@code model-00001-of-0000N.safetensors} with {@code
 * model.safetensors.index.json}. Parameters are matched to tensors by their dotted names. Loading
 * checks every name, shape and dtype against the file headers before it reads any data, so a
 * mismatch leaves the model unchanged; it then reads one tensor at a time. {@code config.json} and
 * the tokenizer belong to the model code.
 *
 * <p>A parameter registered under several names (a tied embedding) is loaded from the first of its
 * names the checkpoint has, and saved once, under its first name.
 */
public final class HfCheckpoint {
    /** Hugging Face's default shard size limit ({@code max_shard_size="5GB"}). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final int MAX_LISTED = 10;
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private HfCheckpoint() {}

    /**
     * How strictly a checkpoint must match the model.
     *
     * @param tiedAliases names of tensors that duplicate another tensor and that the model does not
     *     use (e.g. {@code encoder.embed_tokens.weight}, which T5 ties to {@code shared.weight}); they
     *     are skipped silently
     * @param allowUnexpected whether other tensors the model does not use are ignored rather than an
     *     error (an error by default: they usually mean the wrong architecture or configuration)
     */
    public record LoadOptions(Set<String> tiedAliases, boolean allowUnexpected) {
        /** Copies the alias set. */
        public LoadOptions {
            tiedAliases = Set.copyOf(tiedAliases);
        }

        /**
         * Returns strict options: every tensor must be used by the model or be a tied alias.
         *
         * @param tiedAliases tensors to skip silently
         * @return the options
         */
        public static LoadOptions of(Set<String> tiedAliases) {
            return new LoadOptions(tiedAliases, false);
        }

        /** Returns these options with unexpected tensors ignored (and reported) instead of rejected. */
        public LoadOptions allowingUnexpected() {
            return new LoadOptions(tiedAliases, true);
        }
    }

    /**
     * What a load did.
     *
     * @param source the file read, or the index and its shards
     * @param loaded the tensors read into parameters
     * @param skippedAliases tied aliases present in the checkpoint and skipped
     * @param ignoredUnexpected tensors the model does not use, ignored because the options allow it
     */
    public record LoadReport(
            String source, List<String> loaded, List<String> skippedAliases, List<String> ignoredUnexpected) {}

    /**
     * Returns the names of the tensors a model folder stores, without reading their data.
     *
     * @param folder the model folder
     * @return the tensor names
     * @throws CheckpointException if the folder or its weights are missing or malformed
     */
    public static Set<String> tensorNames(Path folder) {
        try (WeightFiles weights = WeightFiles.open(folder)) {
            return Set.copyOf(weights.names());
        }
    }

    /**
     * Loads a folder's weights into a model, strictly (see {@link LoadOptions#of}).
     *
     * @param folder the model folder
     * @param model the model whose parameters are replaced; their shapes must match and their types
     *     decide the conversion (e.g. BF16 files load into float32 parameters)
     * @param tiedAliases tensors the model does not use that duplicate another tensor
     * @return what was loaded
     * @throws CheckpointException if the folder or its weights are missing or malformed, or do not
     *     match the model; the message names the file and the tensors
     */
    public static LoadReport load(Path folder, Module model, Set<String> tiedAliases) {
        return load(folder, model, LoadOptions.of(tiedAliases));
    }

    /**
     * Loads a folder's weights into a model.
     *
     * @param folder the model folder
     * @param model the model whose parameters are replaced; their shapes must match and their types
     *     decide the conversion (e.g. BF16 files load into float32 parameters)
     * @param options aliases to skip and whether unused tensors are allowed
     * @return what was loaded
     * @throws CheckpointException if the folder or its weights are missing or malformed, or do not
     *     match the model; the message names the file and the tensors
     */
    public static LoadReport load(Path folder, Module model, LoadOptions options) {
        try (WeightFiles weights = WeightFiles.open(folder)) {
            Map<String, Parameter> plan = new LinkedHashMap<>();
            Set<String> used = new HashSet<>();
            List<String> missing = new ArrayList<>();
            List<String> mismatched = new ArrayList<>();
            for (Map.Entry<Parameter, List<String>> e : namesByParameter(model).entrySet()) {
                Parameter p = e.getKey();
                List<String> names = e.getValue();
                used.addAll(names);
                String tensor = names.stream().filter(n -> weights.fileOf(n) != null).findFirst().orElse(null);
                if (tensor == null) {
                    missing.add(names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(" or ")));
                    continue;
                }
                SafetensorsFile file = weights.fileOf(tensor);
                SafetensorsFile.TensorInfo info = file.info(tensor);
                String typeProblem = info.dtype().cannotReadAs(p.array().getDataType());
                if (!info.shape().equals(p.shape())) {
                    mismatched.add("tensor '" + tensor + "' in " + file.path() + " has shape " + info.shape()
                            + ", the model expects " + p.shape());
                } else if (typeProblem != null) {
                    mismatched.add("tensor '" + tensor + "' in " + file.path() + ": " + typeProblem
                            + " (the model parameter's type)");
                } else {
                    plan.put(tensor, p);
                }
            }
            List<String> skipped = new ArrayList<>();
            List<String> unexpected = new ArrayList<>();
            for (String name : weights.names()) {
                if (!used.contains(name)) {
                    (options.tiedAliases().contains(name) ? skipped : unexpected).add(name);
                }
            }
            List<String> problems = new ArrayList<>();
            if (!missing.isEmpty()) {
                problems.add(missing.size() + " model parameter(s) not found in the checkpoint: " + listed(missing)
                        + " (searched " + weights.description() + ")");
            }
            mismatched.stream().limit(MAX_LISTED).forEach(problems::add);
            if (mismatched.size() > MAX_LISTED) {
                problems.add("... and " + (mismatched.size() - MAX_LISTED) + " more shape or type mismatches");
            }
            if (!unexpected.isEmpty() && !options.allowUnexpected()) {
                problems.add(unexpected.size() + " tensor(s) in " + weights.description() + " not used by the model: "
                        + listed(unexpected.stream().map(n -> "'" + n + "'").collect(Collectors.toList()))
                        + ". This usually means a different architecture or configuration; list duplicates of"
                        + " other tensors as tied aliases, or allow unexpected tensors in the load options.");
            }
            if (!problems.isEmpty()) {
                String modelName = model.getClass().getSimpleName().isEmpty()
                        ? model.getClass().getName() : model.getClass().getSimpleName();
                throw new CheckpointException(
                        "cannot load " + folder + " into " + modelName + ":\n  " + String.join("\n  ", problems));
            }
            plan.forEach((tensor, p) -> p.set(
                    weights.fileOf(tensor).read(tensor, p.array().getDataType(), p.array().getManager())));
            return new LoadReport(weights.description(), List.copyOf(plan.keySet()), List.copyOf(skipped),
                    options.allowUnexpected() ? List.copyOf(unexpected) : List.of());
        }
    }

    /**
     * Saves a model's parameters in their own types, sharded at {@link #DEFAULT_MAX_SHARD_BYTES}.
     *
     * @param folder the model folder, created if absent
     * @param model the model
     * @return the files written
     * @throws CheckpointException if a file cannot be written
     */
    public static List<Path> save(Path folder, Module model) {
        return saveAs(folder, model, DEFAULT_MAX_SHARD_BYTES, null, name -> true);
    }

    /**
     * Saves the parameters of a model whose names pass a filter (e.g. a model's own weights without the
     * adapters injected into it), as {@link #save(Path, Module)} does.
     *
     * @param folder the model folder, created if absent
     * @param model the model
     * @param include which parameter names to save
     * @return the files written
     * @throws CheckpointException if a file cannot be written
     */
    public static List<Path> save(Path folder, Module model, java.util.function.Predicate<String> include) {
        return saveAs(folder, model, DEFAULT_MAX_SHARD_BYTES, null, include);
    }

    /**
     * Saves a model's parameters in their own types: {@code model.safetensors} if they fit in one
     * shard, otherwise {@code model-0000i-of-0000n.safetensors} files filled in parameter order up to
     * {@code maxShardBytes} of data each (a larger tensor gets a shard of its own) plus {@code
     * model.safetensors.index.json}, as Hugging Face writes them. Each file is replaced atomically,
     * the index after its shards; weight files of an earlier save that are not rewritten are deleted
     * last, so that a folder never mixes a single file and shards.
     *
     * @param folder the model folder, created if absent
     * @param model the model
     * @param maxShardBytes the most tensor data bytes per shard
     * @return the files written (weights, then the index if sharded)
     * @throws CheckpointException if a file cannot be written
     * @throws IllegalArgumentException if {@code maxShardBytes} is not positive
     */
    public static List<Path> save(Path folder, Module model, long maxShardBytes) {
        return saveAs(folder, model, maxShardBytes, null, name -> true);
    }

    /**
     * Saves a model as {@link #save(Path, Module, long)} does, storing floating-point parameters as
     * {@code floatsAs} (e.g. {@link SafetensorsDtype#BF16} for half-size files).
     *
     * @param folder the model folder, created if absent
     * @param model the model
     * @param maxShardBytes the most tensor data bytes per shard, counted in {@code floatsAs}
     * @param floatsAs F64, F32, F16 or BF16
     * @return the files written (weights, then the index if sharded)
     * @throws CheckpointException if a file cannot be written
     * @throws IllegalArgumentException if {@code maxShardBytes} is not positive or {@code floatsAs}
     *     is not a floating-point type
     */
    public static List<Path> save(Path folder, Module model, long maxShardBytes, SafetensorsDtype floatsAs) {
        if (!floatsAs.isFloatingPoint()) {
            throw new IllegalArgumentException("floatsAs must be a floating-point dtype, not " + floatsAs);
        }
        return saveAs(folder, model, maxShardBytes, floatsAs, name -> true);
    }

    private static List<Path> saveAs(Path folder, Module model, long maxShardBytes, SafetensorsDtype floatsAs,
            java.util.function.Predicate<String> include) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<Map<String, NDArray>> shards = new ArrayList<>();
        long shardBytes = 0;
        long totalBytes = 0;
        for (Map.Entry<Parameter, List<String>> e : namesByParameter(model).entrySet()) {
            String name = e.getValue().get(0);
            if (!include.test(name)) {
                continue;
            }
            NDArray array = e.getKey().array();
            long bytes = SafetensorsWriter.storedBytes(name, array, floatsAs);
            if (shards.isEmpty() || (shardBytes + bytes > maxShardBytes && !shards.get(shards.size() - 1).isEmpty())) {
                shards.add(new LinkedHashMap<>());
                shardBytes = 0;
            }
            shards.get(shards.size() - 1).put(name, array);
            shardBytes += bytes;
            totalBytes += bytes;
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new CheckpointException("cannot create checkpoint folder " + folder + ": " + e.getMessage(), e);
        }
        List<Path> written = new ArrayList<>();
        if (shards.size() <= 1) {
            Path file = folder.resolve(WeightFiles.SINGLE);
            SafetensorsWriter.writeFile(file, shards.isEmpty() ? Map.of() : shards.get(0), floatsAs);
            written.add(file);
        } else {
            Map<String, String> weightMap = new TreeMap<>();
            for (int i = 0; i < shards.size(); i++) {
                String shardName = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Path file = folder.resolve(shardName);
                SafetensorsWriter.writeFile(file, shards.get(i), floatsAs);
                shards.get(i).keySet().forEach(n -> weightMap.put(n, shardName));
                written.add(file);
            }
            Path index = folder.resolve(WeightFiles.INDEX);
            writeIndex(index, totalBytes, weightMap);
            written.add(index);
        }
        deleteStaleWeights(folder, written);
        return List.copyOf(written);
    }

    private static void writeIndex(Path index, long totalBytes, Map<String, String> weightMap) {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", totalBytes);
        JsonObject map = new JsonObject();
        weightMap.forEach(map::addProperty);
        JsonObject root = new JsonObject();
        root.add("metadata", metadata);
        root.add("weight_map", map);
        try {
            AtomicFiles.writeString(index, PRETTY.toJson(root) + "\n");
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + index + ": " + e.getMessage(), e);
        }
    }

    /** Deletes weight files of an earlier save (a single file, an index, other shards) not in {@code keep}. */
    private static void deleteStaleWeights(Path folder, List<Path> keep) {
        Set<String> keepNames = keep.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean weightFile = name.equals(WeightFiles.SINGLE) || name.equals(WeightFiles.INDEX)
                        || SHARD_NAME.matcher(name).matches();
                if (weightFile && !keepNames.contains(name)) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(
                    "cannot delete stale weight files in " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Groups parameter names by parameter; a tied parameter appears once with all its names, in order. */
    private static Map<Parameter, List<String>> namesByParameter(Module model) {
        // Parameter keeps Object identity, so this groups the names of one shared instance.
        Map<Parameter, List<String>> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> out.computeIfAbsent(p, k -> new ArrayList<>()).add(name));
        return out;
    }

    private static String listed(List<String> items) {
        String shown = String.join(", ", items.subList(0, Math.min(items.size(), MAX_LISTED)));
        return items.size() > MAX_LISTED ? shown + ", ... (" + (items.size() - MAX_LISTED) + " more)" : shown;
    }
}
