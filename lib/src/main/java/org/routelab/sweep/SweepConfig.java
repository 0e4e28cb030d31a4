package org.routelab.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.experiment.RunConfig;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

/**
 * A sweep as the command line reads it ({@code ./routelab sweep --config sweep.json}): a base experiment,
 * axes over any of its values by dotted path, optional seeds, and the store folder. Every key is checked
 * before work starts, by the same binder as {@code run.json}: an unknown key, a wrong type or a value the
 * experiment refuses is an error naming the file and the key's path (e.g. {@code sweep.json:
 * axes.method.heads[1]: must be >= 1, got 0}). Paths are relative to the file's folder.
 *
 * <pre>{@code
 * {
 *   "output": "sweeps/granularity",     the sweep's store folder (required; or --output DIR)
 *   "description": null,                free text
 *   "base": {...},                      an experiment config (run.json's keys without output)
 *   "axes": {"method.granularity": ["model", "layer", "module"], "method.heads": [1, 4]},
 *   "seeds": null,                      a list: one cell per seed; null: every cell runs base's seeds
 *   "retries": 1                        extra attempts of a failing cell before its error is recorded
 * }
 * }</pre>
 *
 * @param file the config file (for messages), or null when built in code
 * @param output the store folder
 * @param sweep the sweep it describes
 */
public record SweepConfig(Path file, Path output, Sweep sweep) {
    private static final Set<String> KEYS = Set.of("output", "description", "base", "axes", "seeds", "retries");

    /**
     * Reads and validates a sweep file.
     *
     * @param file the JSON file
     * @param outputOverride a store folder that replaces the file's {@code output}, or null
     * @return the sweep
     * @throws IllegalArgumentException naming the file and key when something is wrong
     */
    public static SweepConfig read(Path file, Path outputOverride) {
        JsonNode root;
        try {
            root = ConfigBinding.MAPPER.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sweep config " + file, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": the sweep config must be a JSON object");
        }
        try {
            return parse((ObjectNode) root, file.toAbsolutePath().getParent(), file, outputOverride);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static SweepConfig parse(ObjectNode root, Path base, Path file, Path outputOverride) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new ConfigException(key, "unknown key (known here: " + String.join(", ", KEYS.stream().sorted()
                        .toList()) + ")");
            }
        }
        JsonNode outputText = root.get("output");
        if (outputText != null && !outputText.isNull() && !outputText.isTextual()) {
            throw new ConfigException("output", "must be a string, got " + outputText);
        }
        Path output = outputOverride != null ? outputOverride
                : outputText == null || outputText.isNull() ? null : base.resolve(outputText.asText());
        if (output == null) {
            throw new ConfigException("output", "is missing (or pass --output DIR)");
        }
        ObjectNode baseTree = root.has("base") ? object(root.get("base"), "base").deepCopy()
                : ConfigBinding.MAPPER.createObjectNode();
        RunConfig.resolveFolders(baseTree, base);
        Sweep sweep = Sweep.of(ExperimentConfig.fromJson(baseTree, "base"));
        if (root.has("axes")) {
            ObjectNode axes = object(root.get("axes"), "axes");
            for (Iterator<Map.Entry<String, JsonNode>> it = axes.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> axis = it.next();
                String at = ConfigBinding.join("axes", axis.getKey());
                if (!axis.getValue().isArray() || axis.getValue().isEmpty()) {
                    throw new ConfigException(at, "must be a non-empty list of values, got " + axis.getValue());
                }
                List<JsonNode> values = new ArrayList<>();
                for (JsonNode v : axis.getValue()) {
                    values.add(RunConfig.isFolderKey(axis.getKey()) && v.isTextual()
                            ? RunConfig.resolveFolder(v, axis.getKey(), base) : v);
                }
                sweep = sweep.axisValues(axis.getKey(), values, at);
            }
        }
        JsonNode seeds = root.get("seeds");
        if (seeds != null && !seeds.isNull()) {
            if (!seeds.isArray() || seeds.isEmpty()) {
                throw new ConfigException("seeds", "must be a non-empty list of integers or null, got " + seeds);
            }
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < seeds.size(); i++) {
                if (!seeds.get(i).isIntegralNumber() || !seeds.get(i).canConvertToInt()) {
                    throw new ConfigException("seeds[" + i + "]", "must be an integer, got " + seeds.get(i));
                }
                list.add(seeds.get(i).asInt());
            }
            sweep = sweep.seeds(list.toArray(Integer[]::new));
        }
        JsonNode retries = root.get("retries");
        if (retries != null) {
            if (!retries.isIntegralNumber() || retries.asInt() < 0) {
                throw new ConfigException("retries", "must be an integer >= 0, got " + retries);
            }
            sweep = sweep.retries(retries.asInt());
        }
        return new SweepConfig(file, output, sweep.store(output));
    }

    private static ObjectNode object(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(path, "must be an object, got " + node);
        }
        return (ObjectNode) node;
    }

}
