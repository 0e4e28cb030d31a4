package org.routelab.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.routelab.util.AtomicFiles;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

/**
 * A run of the command line ({@code ./routelab train|adapt|eval --config run.json}): an {@link
 * ExperimentConfig} as JSON (every key and its default are in that class's comment) plus {@code
 * "output"}, the run folder. Every key is checked by the config binder before any work starts: an
 * unknown key, a wrong type or a bad value is an error naming the file and the key's path (e.g. {@code
 * run.json: method.skils: unknown key}). Paths ({@code output}, {@code backbone}, {@code suite}, {@code
 * adapters}) are relative to the config file's folder.
 *
 * @param file the config file (for messages)
 * @param output the run folder
 * @param experiment the experiment it describes
 */
public record RunConfig(Path file, Path output, Experiment experiment) {
    /** The copy of its config that {@code train} and {@code adapt} keep in a run folder. */
    public static final String COPY = "run.json";

    /**
     * Keeps the run's config in its folder ({@link #COPY}), so the folder describes itself (e.g. for
     * {@code export --run}): the experiment's config with absolute folders, and {@code output} the folder
     * itself. A config that already is that copy is left alone.
     *
     * @param run the run
     * @throws UncheckedIOException if the copy cannot be written
     */
    public static void keepCopy(RunConfig run) {
        Path copy = run.output().resolve(COPY);
        try {
            if (Files.exists(copy) && Files.isSameFile(copy, run.file())) {
                return;
            }
            ObjectNode json = run.experiment().config().toJson();
            json.put("output", ".");
            Files.createDirectories(run.output());
            AtomicFiles.writeString(copy, ConfigBinding.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json)
                    + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a copy of " + run.file() + " in " + run.output(), e);
        }
    }

    /**
     * Reads and validates a config file.
     *
     * @param file the JSON file
     * @param outputOverride a run folder that replaces the file's {@code output}, or null
     * @return the run
     * @throws IllegalArgumentException naming the file and key when something is wrong
     */
    public static RunConfig read(Path file, Path outputOverride) {
        JsonNode root;
        try {
            root = ConfigBinding.MAPPER.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config " + file, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": the config must be a JSON object");
        }
        Path base = file.toAbsolutePath().getParent();
        ObjectNode tree = (ObjectNode) root;
        try {
            JsonNode outputText = tree.remove("output");
            if (outputText != null && !outputText.isTextual()) {
                throw new ConfigException("output", "must be a string, got " + outputText);
            }
            Path output = outputOverride != null ? outputOverride
                    : outputText == null ? null : base.resolve(outputText.asText());
            if (output == null) {
                throw new ConfigException("output", "is missing (or pass --output DIR)");
            }
            resolveFolders(tree, base);
            ExperimentConfig config = ExperimentConfig.fromJson(tree, "");
            if (!config.backbone().equals(ExperimentConfig.BUILTIN)
                    && !Files.isRegularFile(Path.of(config.backbone()).resolve("config.json"))) {
                throw new ConfigException("backbone", "'" + config.backbone() + "' is not a model folder (no config.json)");
            }
            return new RunConfig(file, output, Experiment.of(config));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the folder values of an experiment config ({@code backbone}, {@code suite}, {@code adapters})
     * absolute against the config file's folder, unless they name the built-in ones.
     *
     * @param tree the experiment config as JSON, changed in place
     * @param base the config file's folder
     */
    public static void resolveFolders(ObjectNode tree, Path base) {
        for (String key : new String[] {"backbone", "suite", "adapters"}) {
            JsonNode v = tree.get(key);
            if (v != null && v.isTextual()) {
                tree.set(key, resolveFolder(v, key, base));
            }
        }
    }

    /** Returns whether a top-level key of an experiment config names a folder. */
    public static boolean isFolderKey(String key) {
        return key.equals("backbone") || key.equals("suite") || key.equals("adapters");
    }

    /**
     * Returns a folder value of {@code key} made absolute against {@code base}, unless it names the built-in
     * one.
     *
     * @param value the text value
     * @param key {@code backbone}, {@code suite} or {@code adapters}
     * @param base the config file's folder
     * @return the value to use
     */
    public static JsonNode resolveFolder(JsonNode value, String key, Path base) {
        String builtin = key.equals("backbone") ? ExperimentConfig.BUILTIN
                : key.equals("suite") ? ExperimentConfig.SKILLCOMP : null;
        String text = value.asText();
        if (text.equals(builtin) || text.equals(ExperimentConfig.IN_MEMORY)) {
            return value;
        }
        return ConfigBinding.MAPPER.getNodeFactory().textNode(base.resolve(text).toString());
    }
}
