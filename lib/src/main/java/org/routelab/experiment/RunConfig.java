package org.routelab.experiment;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;
import org.routelab.util.AtomicFiles;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;
import org.routelab.util.ConfigValues;

/**
 * A run of the command line ({@code ./routelab train|adapt|eval --config run.json}): an {@link
 * ExperimentConfig} as JSON (every key and its default are in that class's comment) plus {@code
 * "output"}, the run folder. Every key is checked by the config binder before any work starts: an
 * unknown key, a wrong type or a bad value is an error naming the file and the key's path (e.g. {@code
 * run.json: method.skils: unknown key}). Paths ({@code output}, {@code backbone}, {@code suite}, {@code
 * adapters}) are relative to the config file's folder.
 *
 * <p>What depends on the config and its data only is checked here too, before any model is loaded:
 * every held-out task named by {@code shots_per_task} exists and keeps examples to score after its
 * shots, a batch fits in the training set, and a GPU named by {@code device} is visible.
 *
 * @param file the config file (for messages)
 * @param output the run folder
 * @param experiment the experiment it describes
 * @param settings the normalised config that the run folder records and compares
 */
public record RunConfig(Path file, Path output, Experiment experiment, RunSettings settings) {
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
     * @throws ConfigException naming the file and key when something is wrong
     */
    public static RunConfig read(Path file, Path outputOverride) {
        JsonNode root;
        try {
            root = ConfigBinding.MAPPER.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, "", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read it: " + e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file, "", "the config must be a JSON object");
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
            Experiment experiment = Experiment.of(config);
            checkAgainstData(config, experiment.suite());
            return new RunConfig(file, output, experiment, RunSettings.of(experiment));
        } catch (ConfigException e) {
            throw e.inFile(file);
        }
    }

    /** The checks that need the suite's tasks or the engine's devices. */
    private static void checkAgainstData(ExperimentConfig config, TaskSuite suite) {
        List<String> heldout = suite.heldout().stream().map(Task::name).toList();
        AdaptationConfig ad = config.adaptation();
        for (String task : ad.shotsPerTask().keySet()) {
            try {
                ConfigValues.oneOf(task, "held-out task", heldout);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("adaptation.shots_per_task." + task, e.getMessage());
            }
        }
        int needed = ad.evaluateEvery() > 0 ? 2 : 1;
        for (Task task : suite.heldout()) {
            int k = ad.shotsOf(task.name());
            if (task.size() < k + needed) {
                throw new ConfigException(ad.shotsPerTask().containsKey(task.name())
                        ? "adaptation.shots_per_task." + task.name() : "adaptation.shots",
                        k + " shots leave " + Math.max(0, task.size() - k) + " of held-out task '" + task.name()
                        + "''s " + task.size() + " examples to " + (needed == 2 ? "validate and score" : "score")
                        + "; at most " + (task.size() - needed) + " shots fit");
            }
        }
        int training = suite.training().stream().mapToInt(Task::size).sum();
        if (config.multitask().steps() > 0 && config.multitask().batchSize() > training) {
            throw new ConfigException("multitask.batch_size", config.multitask().batchSize() + " is more than the "
                    + training + " training examples");
        }
        Device device = config.deviceOrDefault();
        if (device != null && device.isGpu()) {
            int gpus = Engine.getInstance().getGpuCount();
            if (Math.max(0, device.getDeviceId()) >= gpus) {
                throw new ConfigException("device", config.device() + ", but " + (gpus == 0
                        ? "no GPU is visible to PyTorch here (use cpu or auto; ./routelab doctor shows what it sees)"
                        : "only " + gpus + " GPU(s) are visible (gpu:0 to gpu:" + (gpus - 1) + ")"));
            }
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
