package org.routelab.experiment;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.routelab.data.JsonlTasks;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.MoeLoraOptions;
import org.routelab.method.OrchMoeOptions;
import org.routelab.method.TRexOptions;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.Granularity;
import org.routelab.routing.InputTaskRouter;
import org.routelab.routing.RouterOptions;
import org.routelab.util.ConfigException;
import org.routelab.util.ConfigValues;

/**
 * A run of the command line ({@code ./routelab train|adapt|eval --config run.json}): a JSON object
 * whose every key is checked before any work starts. An unknown key, a wrong type or a bad value is an
 * error naming the file and the key's path (e.g. {@code run.json: method.skils: unknown key}).
 * Omitted keys take the {@link Experiment} defaults; paths are relative to the config file's folder.
 *
 * <pre>{@code
 * {
 *   "description": "...",                free text, e.g. where a preset's settings come from
 *   "name": "poly",                      label in tables (default: from method and variant)
 *   "output": "runs/poly",               run folder: checkpoints, metrics.jsonl, results
 *   "backbone": "builtin",               or a Hugging Face model folder
 *   "suite": "skillcomp",                or a suite folder (train.jsonl, heldout.jsonl)
 *   "suite_seed": 0,                     SkillComp's seed
 *   "device": "auto",                    auto (GPU when present), cpu, gpu or gpu:N
 *   "seeds": [0, 1024, 42],
 *   "method": {"name": "poly", "rank": 1, "skills": 8, "heads": 64, "tensor_rank": 8, "order": 2,
 *              "granularity": "layer", "random_routing": false, "modules": "...", "layers": "...",
 *              "router": {"sampling": "gumbel_sigmoid", "temperature": 1.0, "straight_through": false},
 *              "moe_lora": {"experts": 8, "top_k": 0, "load_balancing": 0.0},
 *              "orchmoe": {"abstract_tasks": 0, "pooling": "mean", "task_normalisation": "softmax"},
 *              "trex": {"down": 4, "up": 8, "prior_scale": 4.0, "intuition": true, "token_router": true}},
 *   "multitask": {"steps": 100, "batch_size": 64, "lr": 0.03, "routing_lr": 1.0, "checkpoint_every": 100},
 *   "adaptation": {"variant": "full", "shots": 32, "steps": 10, "lr": 0.03, "loss": "tfew",
 *                  "evaluate_every": 0, "validation_examples": 32, "keep_best": false,
 *                  "shots_per_task": {"winogrande_xl": 50}}   (a suite folder's suite.json may give them too)
 * }
 * }</pre>
 *
 * <p>Numbers are checked against their type and a sane range as written ({@code 4294967297},
 * {@code 1e20} or {@code 10.0} are not integers of a step count; a learning rate that is 0 as a 32-bit
 * float is refused), names must match what exists (a task of {@code shots_per_task} must be a
 * held-out task), and the data must fit the protocol (every held-out task needs more examples than
 * its shots), all before any model is loaded.
 *
 * @param file the config file (for messages)
 * @param output the run folder
 * @param experiment the experiment it describes
 * @param settings the normalised config, every result-deciding key with its resolved value, which
 *     the run folder records and compares
 */
public record RunConfig(Path file, Path output, Experiment experiment, RunSettings settings) {
    /** The most steps a phase may take (10^8; the papers' longest runs take 10^5). */
    static final int MAX_STEPS = 100_000_000;
    /** The largest learning rate accepted. */
    static final double MAX_LEARNING_RATE = 100;
    /** The largest batch size, shot count or validation set accepted. */
    static final int MAX_EXAMPLES = 1 << 20;
    /** The largest rank, skill, head, expert or tensor-rank count accepted (memory is checked separately). */
    static final int MAX_SIZE = 1 << 20;
    private static final Gson GSON = new Gson();


    /**
     * Reads and validates a config file.
     *
     * @param file the JSON file
     * @param outputOverride a run folder that replaces the file's {@code output}, or null
     * @return the run
     * @throws IllegalArgumentException naming the file and key when something is wrong
     */
    public static RunConfig read(Path file, Path outputOverride) {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read the config: " + e.getClass().getSimpleName()
                    .replace("Exception", "") + (e.getMessage() == null || e.getMessage().equals(file.toString())
                            ? "" : " " + e.getMessage()), e);
        } catch (JsonParseException e) {
            throw new ConfigException(file, "", "not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new ConfigException(file, "", "the config must be a JSON object", null);
        }
        Path base = file.toAbsolutePath().getParent();
        SortedMap<String, JsonElement> resolved = new TreeMap<>();
        Fields top = new Fields(file, "", root.getAsJsonObject(), resolved);
        Experiment.Builder b = Experiment.builder();
        top.string("description", null);
        resolved.remove("description");
        String name = top.string("name", null);
        resolved.remove("name");
        if (name != null) {
            b.name(name);
        }
        String outputText = top.string("output", null);
        resolved.remove("output");
        Path output = outputOverride != null ? outputOverride : outputText == null ? null : base.resolve(outputText);
        if (output == null) {
            throw top.error("output", "is missing (or pass --output DIR)");
        }
        String backbone = top.string("backbone", "builtin");
        if (!backbone.equals("builtin")) {
            Path folder = base.resolve(backbone);
            if (!Files.isRegularFile(folder.resolve("config.json"))) {
                throw top.error("backbone", "'" + folder + "' is not a model folder (no config.json)");
            }
            b.backbone(folder);
            resolved.put("backbone", new JsonPrimitive(folder.normalize().toString()));
        }
        int suiteSeed = top.integer("suite_seed", 0, 0, Integer.MAX_VALUE);
        String suite = top.string("suite", "skillcomp");
        Map<String, Integer> shotsPerTask = new LinkedHashMap<>();
        TaskSuite tasks;
        if (suite.equals("skillcomp")) {
            tasks = SkillComp.generate(suiteSeed).suite();
        } else {
            resolved.remove("suite_seed");
            Path folder = base.resolve(suite).normalize();
            resolved.put("suite", new JsonPrimitive(folder.toString()));
            try {
                tasks = JsonlTasks.readSuite(folder);
                shotsPerTask.putAll(manifestShots(folder.resolve("suite.json"), tasks));
            } catch (IOException e) {
                throw top.error("suite", "cannot read " + folder + ": " + e);
            }
        }
        b.suite(tasks);
        resolved.put("data.training", new JsonPrimitive(JsonlTasks.digest(tasks.training())));
        resolved.put("data.heldout", new JsonPrimitive(JsonlTasks.digest(tasks.heldout())));
        String device = top.string("device", "auto");
        resolved.remove("device");
        if (!device.equals("auto")) {
            b.device(top.parse("device", device, RunConfig::device));
        }
        List<Integer> seeds = top.integers("seeds");
        if (seeds != null) {
            b.seeds(seeds.toArray(Integer[]::new));
        }
        resolved.put("seeds", json(seeds != null ? seeds : Experiment.DEFAULT_SEEDS));
        MethodConfig methodConfig = method(top.object("method"));
        b.method(methodConfig);
        // Absent sections are read as empty ones, so that their defaults are resolved and recorded too.
        Fields mt = top.object("multitask");
        b.multitaskSteps(mt.integer("steps", Experiment.DEFAULT_MULTITASK_STEPS, 0, MAX_STEPS));
        int batchSize = mt.integer("batch_size", Experiment.DEFAULT_BATCH_SIZE, 1, MAX_EXAMPLES);
        int trainingExamples = tasks.training().stream().mapToInt(Task::size).sum();
        if (batchSize > trainingExamples) {
            throw mt.error("batch_size", batchSize + " is more than the " + trainingExamples + " training examples");
        }
        b.batchSize(batchSize);
        b.learningRates(mt.rate("lr", Experiment.defaultLearningRate(methodConfig.method())),
                mt.rate("routing_lr", Experiment.DEFAULT_ROUTING_LR));
        b.checkpointEvery(mt.integer("checkpoint_every", 100, 1, Integer.MAX_VALUE));
        resolved.remove("multitask.checkpoint_every");
        mt.requireAllKnown();
        Fields ad = top.object("adaptation");
        b.variant(ad.parse("variant", ad.string("variant", "full"), AdaptationVariant::parse));
        int shots = ad.integer("shots", Experiment.DEFAULT_SHOTS, 1, MAX_EXAMPLES);
        b.adaptation(shots, ad.integer("steps", Experiment.DEFAULT_ADAPT_STEPS, 1, MAX_STEPS),
                ad.rate("lr", Experiment.defaultAdaptLearningRate(methodConfig.method())));
        Fields perTask = ad.object("shots_per_task");
        List<String> heldout = tasks.heldout().stream().map(Task::name).toList();
        for (String task : perTask.keys()) {
            perTask.check(task, () -> ConfigValues.oneOf(task, "held-out task", heldout));
            shotsPerTask.put(task, perTask.integer(task, 0, 1, MAX_EXAMPLES));
        }
        resolved.keySet().removeIf(k -> k.startsWith("adaptation.shots_per_task."));
        b.adaptationLoss(ad.parse("loss", ad.string("loss", "tfew"),
                v -> AdaptationLoss.valueOf(v.toUpperCase(Locale.ROOT))));
        int every = ad.integer("evaluate_every", 0, 0, MAX_STEPS);
        int validation = ad.integer("validation_examples", 32, 1, MAX_EXAMPLES);
        boolean keepBest = ad.bool("keep_best", false);
        if (every > 0) {
            b.validation(every, validation, keepBest);
        } else if (keepBest) {
            throw ad.error("keep_best", "needs evaluate_every > 0");
        }
        ad.requireAllKnown();
        requireScoredExamples(ad, tasks, shots, shotsPerTask, every > 0);
        b.shotsPerTask(shotsPerTask);
        resolved.put("adaptation.shots_per_task", json(new TreeMap<>(shotsPerTask)));
        top.requireAllKnown();
        return new RunConfig(file, output, b.build(), new RunSettings(resolved));
    }

    /**
     * Every held-out task must keep examples to score after its shots (and a validation example when
     * adaptation evaluates on the way).
     */
    private static void requireScoredExamples(Fields ad, TaskSuite tasks, int shots, Map<String, Integer> perTask,
            boolean validates) {
        int needed = validates ? 2 : 1;
        for (Task task : tasks.heldout()) {
            int k = perTask.getOrDefault(task.name(), shots);
            if (task.size() < k + needed) {
                String key = perTask.containsKey(task.name()) ? "shots_per_task." + task.name() : "shots";
                throw ad.error(key, k + " shots leave " + Math.max(0, task.size() - k) + " of held-out task '"
                        + task.name() + "''s " + task.size() + " examples to " + (validates ? "validate and score" : "score")
                        + "; at most " + (task.size() - needed) + " shots fit");
            }
        }
    }

    /** A device name, refused when it names a GPU that the engine does not see. */
    private static Device device(String name) {
        Device device = Device.fromName(name);
        if (device.isGpu()) {
            int gpus = Engine.getInstance().getGpuCount();
            if (device.getDeviceId() >= gpus) {
                throw new IllegalArgumentException(gpus == 0 ? "no GPU is visible to PyTorch here (use cpu or auto;"
                        + " ./routelab doctor shows what the engine sees)"
                        : "only " + gpus + " GPU(s) are visible (gpu:0 to gpu:" + (gpus - 1) + ")");
            }
        }
        return device;
    }

    private static JsonElement json(Object value) {
        return GSON.toJsonTree(value);
    }

    /** The per-task shots a data-scripts export records in its {@code suite.json} ({@code heldout[].k}). */
    private static Map<String, Integer> manifestShots(Path manifest, TaskSuite tasks) throws IOException {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(manifest)) {
            return out;
        }
        try {
            JsonElement heldout = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject().get("heldout");
            if (heldout != null) {
                for (JsonElement e : heldout.getAsJsonArray()) {
                    JsonObject entry = e.getAsJsonObject();
                    if (entry.has("k")) {
                        String task = entry.get("task").getAsString();
                        ConfigValues.oneOf(task, "held-out task", tasks.heldout().stream().map(Task::name).toList());
                        out.put(task, ConfigValues.integer(entry.get("k").getAsString(), 1, MAX_EXAMPLES));
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new ConfigException(manifest, "heldout", "entries need a held-out task and an integer k: "
                    + e.getMessage(), e);
        }
        return out;
    }

    private static MethodConfig method(Fields m) {
        MethodConfig c = MethodConfig.defaults(m.parse("name", m.string("name", "lora"), Method::parse));
        c = c.withRank(m.integer("rank", c.rank(), 1, MAX_SIZE))
                .withSkills(m.integer("skills", c.skills(), 1, MAX_SIZE))
                .withHeads(m.integer("heads", c.heads(), 1, MAX_SIZE))
                .withTensorRank(m.integer("tensor_rank", c.tensorRank(), 1, MAX_SIZE))
                .withOrder(m.integer("order", c.order(), 1, MAX_SIZE))
                .withGranularity(m.parse("granularity", m.string("granularity", "layer"), Granularity::parse))
                .withRandomRouting(m.bool("random_routing", c.randomRouting()))
;
        String modules = m.string("modules", c.modules(), ConfigValues::regex);
        String layers = m.string("layers", c.layers(), ConfigValues::regex);
        if ((modules == null) != (layers == null)) {
            throw m.error(modules == null ? "layers" : "modules", "must be given together with "
                    + (modules == null ? "modules" : "layers") + " (or neither, for the backbone's defaults)");
        }
        c = c.withTargets(modules, layers);
        Fields r = m.object("router");
        RouterOptions dr = RouterOptions.DEFAULT;
        RouterOptions.Sampling sampling = r.parse("sampling", r.string("sampling", dr.sampling().name()),
                v -> RouterOptions.Sampling.valueOf(v.toUpperCase(Locale.ROOT)));
        c = c.withRouter(new RouterOptions(sampling, r.positive("temperature", dr.temperature(), 1e4),
                r.bool("straight_through", dr.straightThrough())));
        r.requireAllKnown();
        Fields moe = m.object("moe_lora");
        MoeLoraOptions dm = c.moeLora();
        c = c.withMoeLora(m.check("moe_lora", () -> new MoeLoraOptions(moe.integer("experts", dm.experts(), 1, MAX_SIZE),
                moe.integer("top_k", dm.topK(), 0, MAX_SIZE), moe.nonNegative("load_balancing", dm.loadBalancing()))));
        moe.requireAllKnown();
        Fields orch = m.object("orchmoe");
        OrchMoeOptions dOrch = c.orchMoe();
        c = c.withOrchMoe(new OrchMoeOptions(orch.integer("abstract_tasks", dOrch.abstractTasks(), 0, MAX_SIZE),
                orch.parse("pooling", orch.string("pooling", dOrch.pooling().toString()), InputTaskRouter.Pooling::parse),
                orch.parse("task_normalisation", orch.string("task_normalisation", dOrch.normalisation().toString()),
                        InputTaskRouter.Normalisation::parse)));
        orch.requireAllKnown();
        Fields trex = m.object("trex");
        TRexOptions dt = c.trex();
        c = c.withTRex(m.check("trex", () -> new TRexOptions(trex.integer("down", dt.down(), 1, MAX_SIZE),
                trex.integer("up", dt.up(), 1, MAX_SIZE), trex.positive("prior_scale", dt.priorScale(), 1e4),
                trex.bool("intuition", dt.intuition()), trex.bool("token_router", dt.tokenRouter()))));
        trex.requireAllKnown();
        m.requireAllKnown();
        return c;
    }

    /**
     * A JSON object being read: typed getters that name the key path, record each key's resolved value
     * (default applied) under its dotted path, and a check for leftovers.
     */
    private static final class Fields {
        private final Path file;
        private final String path;
        private final JsonObject json;
        private final Map<String, JsonElement> resolved;
        private final Set<String> read = new LinkedHashSet<>();

        Fields(Path file, String path, JsonObject json, Map<String, JsonElement> resolved) {
            this.file = file;
            this.path = path;
            this.json = json;
            this.resolved = resolved;
        }

        ConfigException error(String key, String problem) {
            return new ConfigException(file, path + key, problem, null);
        }

        private JsonElement get(String key) {
            read.add(key);
            JsonElement e = json.get(key);
            return e == null || e.isJsonNull() ? null : e;
        }

        private <T> T resolve(String key, T value) {
            if (value != null) {
                resolved.put(path + key, json(value));
            }
            return value;
        }

        private JsonPrimitive primitive(String key, String expected) {
            JsonElement e = get(key);
            if (e == null) {
                return null;
            }
            if (!e.isJsonPrimitive()) {
                throw error(key, "must be " + expected + ", got " + e);
            }
            return e.getAsJsonPrimitive();
        }

        String string(String key, String fallback) {
            JsonPrimitive p = primitive(key, "a string");
            if (p != null && !p.isString()) {
                throw error(key, "must be a string, got " + p);
            }
            return resolve(key, p == null ? fallback : p.getAsString());
        }

        /** A string that {@code check} accepts (it throws {@link IllegalArgumentException} otherwise). */
        String string(String key, String fallback, Function<String, ?> check) {
            String value = string(key, fallback);
            if (value != null) {
                check(key, () -> check.apply(value));
            }
            return value;
        }

        /** The JSON number's literal text, or null when the key is absent. */
        private String number(String key, String expected) {
            JsonPrimitive p = primitive(key, expected);
            if (p == null) {
                return null;
            }
            if (!p.isNumber()) {
                throw error(key, "must be " + expected + ", got " + p);
            }
            return p.getAsNumber().toString();
        }

        int integer(String key, int fallback, int min, int max) {
            String literal = number(key, "an integer");
            return resolve(key, literal == null ? fallback : check(key, () -> ConfigValues.integer(literal, min, max)));
        }

        /** A learning rate: positive, at most {@link #MAX_LEARNING_RATE}, not 0 as a float. */
        float rate(String key, float fallback) {
            return positive(key, fallback, MAX_LEARNING_RATE);
        }

        float positive(String key, float fallback, double max) {
            String literal = number(key, "a positive number");
            return resolve(key, literal == null ? fallback : check(key, () -> ConfigValues.positive(literal, max)));
        }

        float nonNegative(String key, float fallback) {
            String literal = number(key, "a number >= 0");
            return resolve(key, literal == null ? fallback : check(key, () -> ConfigValues.nonNegative(literal, 1e4)));
        }

        /** Builds or checks a value, naming {@code key} with the problem when it is invalid. */
        <T> T check(String key, Supplier<T> build) {
            try {
                return build.get();
            } catch (ConfigException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw error(key, e.getMessage());
            }
        }

        boolean bool(String key, boolean fallback) {
            JsonPrimitive p = primitive(key, "true or false");
            if (p != null && !p.isBoolean()) {
                throw error(key, "must be true or false, got " + p);
            }
            return resolve(key, p == null ? fallback : p.getAsBoolean());
        }

        List<Integer> integers(String key) {
            JsonElement e = get(key);
            if (e == null) {
                return null;
            }
            if (!e.isJsonArray() || ((JsonArray) e).isEmpty()) {
                throw error(key, "must be a non-empty array of integers, got " + e);
            }
            List<Integer> out = new ArrayList<>();
            for (JsonElement x : (JsonArray) e) {
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                    throw error(key, "must hold integers only, got " + x);
                }
                String literal = x.getAsNumber().toString();
                out.add(check(key, () -> ConfigValues.integer(literal, Integer.MIN_VALUE, Integer.MAX_VALUE)));
            }
            return out;
        }

        /** A nested object; an absent one reads as empty, so its keys take their defaults. */
        Fields object(String key) {
            JsonElement e = get(key);
            if (e != null && !e.isJsonObject()) {
                throw error(key, "must be an object, got " + e);
            }
            return new Fields(file, path + key + ".", e == null ? new JsonObject() : e.getAsJsonObject(), resolved);
        }

        <T> T parse(String key, String value, Function<String, T> parser) {
            try {
                return parser.apply(value);
            } catch (RuntimeException e) {
                throw new ConfigException(file, path + key, "'" + value + "' is not valid: " + e.getMessage(), e);
            }
        }

        Set<String> keys() {
            read.addAll(json.keySet());
            return json.keySet();
        }

        void requireAllKnown() {
            for (String key : json.keySet()) {
                if (!read.contains(key)) {
                    throw error(key, "unknown key (known here: " + String.join(", ", read) + ")");
                }
            }
        }
    }
}
