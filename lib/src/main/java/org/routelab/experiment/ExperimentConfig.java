package org.routelab.experiment;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.routelab.interop.PeftAdapter;
import org.routelab.method.MethodConfig;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

/**
 * One experiment, all of it: an immutable record that binds to and from JSON (the {@code run.json} of
 * the command line without its {@code output}, what {@link ExperimentBuilder} produces in notebooks, and
 * what sweeps copy with overrides). {@link #DEFAULT} is the one set of defaults; {@link #fromJson} binds a
 * JSON object onto it (omitted keys keep their defaults; unknown keys, wrong types and bad values are
 * refused naming the key's path), and {@link #with} changes one value by its path, e.g. {@code
 * config.with("method.heads", 4)} or {@code config.with("multitask.lr", 1e-2)}.
 *
 * <pre>{@code
 * {
 *   "description": null,                 free text, e.g. where a preset's settings come from
 *   "name": null,                        label in tables (default: from method and variant)
 *   "backbone": "builtin",               or a Hugging Face model folder
 *   "suite": "skillcomp",                or a suite folder (train.jsonl, heldout.jsonl)
 *   "suite_seed": 0,                     SkillComp's seed
 *   "split": "test",                     few-shot tasks: test (held out) or validation (for tuning)
 *   "device": "auto",                    auto (GPU when present), cpu, gpu or gpu:N
 *   "seeds": [0, 1024, 42],
 *   "method": {"name": "lora", "granularity": "layer", "random_routing": false, "modules": null,
 *              "layers": null, "router": {"sampling": "GUMBEL_SIGMOID", "temperature": 1.0,
 *              "straight_through": false}, ...the method's options, e.g. "rank": 1, "alpha": 1},
 *   "multitask": {"steps": 100, "batch_size": 64, "lr": null, "routing_lr": 0.3, "checkpoint_every": 100,
 *                 "snapshot_every": 0, "alignment_every": 0, "alignment_examples": 8},
 *   "adaptation": {"variant": "full", "shots": 32, "steps": 10, "lr": null, "loss": "TFEW",
 *                  "evaluate_every": 0, "validation_examples": 32, "keep_best": false,
 *                  "shots_per_task": {}},
 *   "adapters": null                     a PEFT adapter folder (LORA or POLY) standing in for multi-task
 *                                        training; it gives the method (see Experiment.Builder.adapters)
 * }
 * }</pre>
 * A null learning rate is the method's ({@link org.routelab.method.Method#learningRates}).
 *
 * @param description free text
 * @param name the label in tables, or null for the method's with its variant
 * @param backbone {@code builtin} or a model folder
 * @param suite {@code skillcomp}, a suite folder, or {@link #IN_MEMORY} for a suite given to the builder
 * @param suiteSeed SkillComp's seed
 * @param split the unseen tasks the few-shot phase adapts to: test or validation
 * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param seeds the few-shot seeds (the papers' 0, 1024, 42)
 * @param method the method and its options (its number of training tasks comes from the suite)
 * @param multitask the multi-task phase
 * @param adaptation the few-shot phase
 * @param adapters a PEFT adapter folder whose adapters replace multi-task training, or null
 */
public record ExperimentConfig(String description, String name, String backbone, String suite, int suiteSeed,
        Split split, String device, List<Integer> seeds, MethodConfig method, MultitaskConfig multitask,
        AdaptationConfig adaptation, String adapters) {
    /** The backbone value of the built-in backbone. */
    public static final String BUILTIN = "builtin";
    /** The suite value of the built-in benchmark. */
    public static final String SKILLCOMP = "skillcomp";
    /** The suite value of an experiment whose suite was given as an object (it cannot be rebuilt from JSON). */
    public static final String IN_MEMORY = "in-memory";
    /** The device value that picks the engine's default (the first GPU when there is one). */
    public static final String AUTO = "auto";

    /** The built-in default: LoRA on SkillComp and the built-in backbone, the default protocol. */
    public static final ExperimentConfig DEFAULT = new ExperimentConfig(null, null, BUILTIN, SKILLCOMP, 0, Split.TEST, AUTO,
            List.of(0, 1024, 42), MethodConfig.defaults(MethodConfig.DEFAULT_METHOD), MultitaskConfig.DEFAULT,
            AdaptationConfig.DEFAULT, null);

    /** Validates the values, naming the key of the first bad one. */
    public ExperimentConfig {
        if (backbone == null || backbone.isBlank()) {
            throw new ConfigException("backbone", "must be 'builtin' or a model folder");
        }
        if (suite == null || suite.isBlank()) {
            throw new ConfigException("suite", "must be 'skillcomp' or a suite folder");
        }
        if (split == null) {
            throw new ConfigException("split", "must be test or validation");
        }
        if (device == null || !(device.equals(AUTO) || validDevice(device))) {
            throw new ConfigException("device", "must be auto, cpu, gpu or gpu:N, got " + device);
        }
        if (seeds == null || seeds.isEmpty() || seeds.stream().anyMatch(java.util.Objects::isNull)) {
            throw new ConfigException("seeds", "must be a non-empty list of integers, got " + seeds);
        }
        seeds = List.copyOf(seeds);
        if (method == null || multitask == null || adaptation == null) {
            throw new ConfigException("", "method, multitask and adaptation must be given");
        }
        if (method.tasks() != 1) {
            // The routers' task count belongs to the suite; a config always says 1.
            method = method.withTasks(1);
        }
        if (!method.method().variants().contains(adaptation.variant())) {
            throw new ConfigException("adaptation.variant", method.method().name() + " does not support -"
                    + adaptation.variant().id() + "; it supports " + method.method().variants());
        }
    }

    private static boolean validDevice(String name) {
        return name.matches("cpu|gpu|gpu:\\d{1,4}");
    }

    /** Returns the JSON object of this config (keys as in the class comment). */
    public ObjectNode toJson() {
        return ConfigBinding.toTree(this);
    }

    /**
     * Binds a JSON object onto {@link #DEFAULT}.
     *
     * @param json the object (null: the defaults)
     * @param path its dotted path, for messages (empty at the top of a file)
     * @return the config
     * @throws ConfigException naming the key of the first problem
     */
    public static ExperimentConfig fromJson(JsonNode json, String path) {
        return DEFAULT.merged(json, path);
    }

    /**
     * Returns this config with the keys of a JSON object replaced (omitted keys keep this config's values).
     *
     * @param json the object
     * @param path its dotted path, for messages
     * @return the config
     * @throws ConfigException naming the key of the first problem
     */
    public ExperimentConfig merged(JsonNode json, String path) {
        if (json != null && !json.isNull() && !json.isObject()) {
            throw new ConfigException(path, "must be an object, got " + json);
        }
        ObjectNode given = json == null || json.isNull() ? ConfigBinding.MAPPER.createObjectNode() : json.deepCopy();
        JsonNode methodGiven = given.remove("method");
        ObjectNode base = toJson();
        ObjectNode methodBase = (ObjectNode) base.remove("method");
        // shots_per_task is a map from task names: a given one replaces the whole map, it is not merged key by key.
        JsonNode adaptationGiven = given.get("adaptation");
        JsonNode shotsGiven = adaptationGiven instanceof ObjectNode a ? a.remove("shots_per_task") : null;
        ObjectNode merged = ConfigBinding.merge(base, given, path);
        if (shotsGiven != null) {
            ((ObjectNode) merged.get("adaptation")).set("shots_per_task", shotsGiven);
        }
        MethodConfig m;
        if (methodGiven == null || methodGiven.isNull()) {
            m = method;
        } else {
            // Another method starts from its own defaults; the same method from this config's values.
            JsonNode name = methodGiven.get("name");
            boolean same = name == null || name.asText().equalsIgnoreCase(method.method().name());
            m = MethodConfig.fromJson(same ? ConfigBinding.merge(methodBase, methodGiven, ConfigBinding.join(path,
                    "method")) : methodGiven, ConfigBinding.join(path, "method"));
        }
        JsonNode adapters = merged.get("adapters");
        if (adapters != null && adapters.isTextual()) {
            // An imported adapter decides the method: its kind, sizes and exact projections.
            MethodConfig imported = PeftAdapter.read(Path.of(adapters.asText())).methodConfig().withTasks(1);
            if (methodGiven != null && !methodGiven.isNull() && !m.toJson().equals(imported.toJson())) {
                throw new ConfigException(ConfigBinding.join(path, "method"), "the adapter folder "
                        + adapters.asText() + " decides the method (" + imported.toJson()
                        + "); leave 'method' out or remove 'adapters'");
            }
            m = imported;
        }
        merged.set("method", m.toJson());
        return ConfigBinding.convert(merged, ExperimentConfig.class, path);
    }

    /**
     * Returns a copy with one value changed by its dotted path, validated as a file's would be.
     *
     * @param dottedPath e.g. {@code method.heads}, {@code multitask.lr} or {@code seeds}
     * @param value the value (a number, string, boolean, list, enum or record)
     * @return the config
     * @throws ConfigException naming the key if it does not exist or the value is refused
     */
    public ExperimentConfig with(String dottedPath, Object value) {
        ObjectNode change = ConfigBinding.with(emptyPath(dottedPath), dottedPath, value);
        return merged(change, "");
    }

    /** An object with the parents of a dotted path, so that {@link ConfigBinding#with} can set its leaf. */
    private static ObjectNode emptyPath(String dottedPath) {
        ObjectNode root = ConfigBinding.MAPPER.createObjectNode();
        ObjectNode node = root;
        String[] keys = dottedPath.split("\\.");
        for (int i = 0; i < keys.length - 1; i++) {
            node = node.putObject(keys[i]);
        }
        return root;
    }

    /** Returns the device, or null for the engine's default. */
    public Device deviceOrDefault() {
        if (device.equals(AUTO)) {
            return null;
        }
        return device.equals("cpu") ? Device.cpu()
                : device.equals("gpu") ? Device.gpu() : Device.gpu(Integer.parseInt(device.substring(4)));
    }

    /** Returns the experts' multi-task learning rate: the config's, or the method's. */
    public float multitaskLearningRate() {
        return multitask.lr() != null ? multitask.lr() : method.method().learningRates().multitask();
    }

    /** Returns the experts' few-shot learning rate: the config's, or the method's. */
    public float adaptationLearningRate() {
        return adaptation.lr() != null ? adaptation.lr() : method.method().learningRates().adaptation();
    }
}
