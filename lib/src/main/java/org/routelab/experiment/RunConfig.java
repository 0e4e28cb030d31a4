package org.routelab.experiment;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.routelab.data.JsonlTasks;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.method.LoraOptions;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.MoeLoraOptions;
import org.routelab.method.OrchMoeOptions;
import org.routelab.method.TRexOptions;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.Granularity;
import org.routelab.routing.InputTaskRouter;
import org.routelab.routing.RouterOptions;

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
 *              "lora": {"alpha": 1},            LoRA's scale alpha/r; "alpha": "rank" gives scale 1 at any rank
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
 * @param file the config file (for messages)
 * @param output the run folder
 * @param experiment the experiment it describes
 */
public record RunConfig(Path file, Path output, Experiment experiment) {

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
            throw new UncheckedIOException("cannot read config " + file, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException(file + ": the config must be a JSON object");
        }
        Path base = file.toAbsolutePath().getParent();
        Fields top = new Fields(file, "", root.getAsJsonObject());
        Experiment.Builder b = Experiment.builder();
        top.string("description", null);
        String name = top.string("name", null);
        if (name != null) {
            b.name(name);
        }
        String outputText = top.string("output", null);
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
        }
        int suiteSeed = top.integer("suite_seed", 0, 0);
        String suite = top.string("suite", "skillcomp");
        Map<String, Integer> shotsPerTask = new LinkedHashMap<>();
        if (suite.equals("skillcomp")) {
            b.suite(SkillComp.generate(suiteSeed).suite());
        } else {
            try {
                b.suite(JsonlTasks.readSuite(base.resolve(suite)));
                shotsPerTask.putAll(manifestShots(base.resolve(suite).resolve("suite.json")));
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": suite: cannot read " + base.resolve(suite), e);
            }
        }
        String device = top.string("device", "auto");
        if (!device.equals("auto")) {
            b.device(top.parse("device", device, Device::fromName));
        }
        List<Integer> seeds = top.integers("seeds");
        if (seeds != null) {
            b.seeds(seeds.toArray(Integer[]::new));
        }
        MethodConfig methodConfig = method(top.object("method"));
        b.method(methodConfig);
        Fields mt = top.object("multitask");
        Fields ad = top.object("adaptation");
        if (mt != null) {
            b.multitaskSteps(mt.integer("steps", Experiment.DEFAULT_MULTITASK_STEPS, 0));
            b.batchSize(mt.integer("batch_size", Experiment.DEFAULT_BATCH_SIZE, 1));
            b.learningRates(mt.number("lr", Experiment.defaultLearningRate(methodConfig.method())),
                    mt.number("routing_lr", Experiment.DEFAULT_ROUTING_LR));
            b.checkpointEvery(mt.integer("checkpoint_every", 100, 1));
            mt.requireAllKnown();
        }
        if (ad != null) {
            b.variant(ad.parse("variant", ad.string("variant", "full"), AdaptationVariant::parse));
            b.adaptation(ad.integer("shots", Experiment.DEFAULT_SHOTS, 1),
                    ad.integer("steps", Experiment.DEFAULT_ADAPT_STEPS, 1), ad.number("lr", Experiment.defaultAdaptLearningRate(methodConfig.method())));
            Fields perTask = ad.object("shots_per_task");
            if (perTask != null) {
                for (String task : perTask.keys()) {
                    shotsPerTask.put(task, perTask.integer(task, 0, 1));
                }
            }
            b.adaptationLoss(ad.parse("loss", ad.string("loss", "tfew"),
                    v -> AdaptationLoss.valueOf(v.toUpperCase(Locale.ROOT))));
            int every = ad.integer("evaluate_every", 0, 0);
            int validation = ad.integer("validation_examples", 32, 1);
            boolean keepBest = ad.bool("keep_best", false);
            if (every > 0) {
                b.validation(every, validation, keepBest);
            } else if (keepBest) {
                throw ad.error("keep_best", "needs evaluate_every > 0");
            }
            ad.requireAllKnown();
        }
        b.shotsPerTask(shotsPerTask);
        top.requireAllKnown();
        return new RunConfig(file, output, b.build());
    }

    /** The per-task shots a data-scripts export records in its {@code suite.json} ({@code heldout[].k}). */
    private static Map<String, Integer> manifestShots(Path manifest) throws IOException {
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
                        out.put(entry.get("task").getAsString(), entry.get("k").getAsInt());
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(manifest + ": heldout entries need a task and an integer k: "
                    + e.getMessage(), e);
        }
        return out;
    }

    /** The one text value LoRA's alpha takes: {@code rank}, for {@code alpha = r}. */
    private static LoraOptions alphaFollowingRank(String value) {
        if (!value.equals("rank")) {
            throw new IllegalArgumentException("alpha is a positive number or \"rank\"");
        }
        return LoraOptions.UNIT_SCALE;
    }

    private static MethodConfig method(Fields m) {
        if (m == null) {
            return MethodConfig.defaults(Method.LORA);
        }
        MethodConfig c = MethodConfig.defaults(m.parse("name", m.string("name", "lora"), Method::parse));
        c = c.withRank(m.integer("rank", c.rank(), 1))
                .withSkills(m.integer("skills", c.skills(), 1))
                .withHeads(m.integer("heads", c.heads(), 1))
                .withTensorRank(m.integer("tensor_rank", c.tensorRank(), 1))
                .withOrder(m.integer("order", c.order(), 1))
                .withGranularity(m.parse("granularity", m.string("granularity", "layer"), Granularity::parse))
                .withRandomRouting(m.bool("random_routing", c.randomRouting()))
                .withTargets(m.string("modules", c.modules()), m.string("layers", c.layers()));
        Fields r = m.object("router");
        if (r != null) {
            RouterOptions d = RouterOptions.DEFAULT;
            RouterOptions.Sampling sampling = r.parse("sampling", r.string("sampling", d.sampling().name()),
                    v -> RouterOptions.Sampling.valueOf(v.toUpperCase(Locale.ROOT)));
            c = c.withRouter(new RouterOptions(sampling, r.number("temperature", d.temperature()),
                    r.bool("straight_through", d.straightThrough())));
            r.requireAllKnown();
        }
        Fields lora = m.object("lora");
        if (lora != null) {
            c = c.withLora(lora.isString("alpha")
                    ? lora.parse("alpha", lora.string("alpha", ""), RunConfig::alphaFollowingRank)
                    : LoraOptions.withAlpha(lora.number("alpha", c.lora().alpha())));
            lora.requireAllKnown();
        }
        Fields moe = m.object("moe_lora");
        if (moe != null) {
            MoeLoraOptions d = c.moeLora();
            c = c.withMoeLora(m.check("moe_lora", () -> new MoeLoraOptions(moe.integer("experts", d.experts(), 1),
                    moe.integer("top_k", d.topK(), 0), moe.nonNegative("load_balancing", d.loadBalancing()))));
            moe.requireAllKnown();
        }
        Fields orch = m.object("orchmoe");
        if (orch != null) {
            OrchMoeOptions d = c.orchMoe();
            c = c.withOrchMoe(new OrchMoeOptions(orch.integer("abstract_tasks", d.abstractTasks(), 0),
                    orch.parse("pooling", orch.string("pooling", d.pooling().toString()), InputTaskRouter.Pooling::parse),
                    orch.parse("task_normalisation", orch.string("task_normalisation", d.normalisation().toString()),
                            InputTaskRouter.Normalisation::parse)));
            orch.requireAllKnown();
        }
        Fields trex = m.object("trex");
        if (trex != null) {
            TRexOptions d = c.trex();
            c = c.withTRex(m.check("trex", () -> new TRexOptions(trex.integer("down", d.down(), 1),
                    trex.integer("up", d.up(), 1), trex.number("prior_scale", d.priorScale()),
                    trex.bool("intuition", d.intuition()), trex.bool("token_router", d.tokenRouter()))));
            trex.requireAllKnown();
        }
        m.requireAllKnown();
        return c;
    }

    /** A JSON object being read: typed getters that name the key path, and a check for leftovers. */
    private static final class Fields {
        private final Path file;
        private final String path;
        private final JsonObject json;
        private final Set<String> read = new LinkedHashSet<>();

        Fields(Path file, String path, JsonObject json) {
            this.file = file;
            this.path = path;
            this.json = json;
        }

        IllegalArgumentException error(String key, String problem) {
            return new IllegalArgumentException(file + ": " + path + key + ": " + problem);
        }

        private JsonElement get(String key) {
            read.add(key);
            JsonElement e = json.get(key);
            return e == null || e.isJsonNull() ? null : e;
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

        boolean isString(String key) {
            JsonElement e = json.get(key);
            return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
        }

        String string(String key, String fallback) {
            JsonPrimitive p = primitive(key, "a string");
            if (p == null) {
                return fallback;
            }
            if (!p.isString()) {
                throw error(key, "must be a string, got " + p);
            }
            return p.getAsString();
        }

        int integer(String key, int fallback, int min) {
            JsonPrimitive p = primitive(key, "an integer");
            if (p == null) {
                return fallback;
            }
            if (!p.isNumber() || p.getAsDouble() != Math.rint(p.getAsDouble())) {
                throw error(key, "must be an integer, got " + p);
            }
            int v = p.getAsInt();
            if (v < min) {
                throw error(key, "must be >= " + min + ", got " + v);
            }
            return v;
        }

        float number(String key, float fallback) {
            JsonPrimitive p = primitive(key, "a number");
            if (p == null) {
                return fallback;
            }
            if (!p.isNumber() || !(p.getAsDouble() > 0) || Double.isInfinite(p.getAsDouble())) {
                throw error(key, "must be a positive number, got " + p);
            }
            return p.getAsFloat();
        }

        float nonNegative(String key, float fallback) {
            JsonPrimitive p = primitive(key, "a number");
            if (p == null) {
                return fallback;
            }
            if (!p.isNumber() || !(p.getAsDouble() >= 0) || Double.isInfinite(p.getAsDouble())) {
                throw error(key, "must be a number >= 0, got " + p);
            }
            return p.getAsFloat();
        }

        /** Builds a value from several keys, naming {@code key} if their combination is invalid. */
        <T> T check(String key, Supplier<T> build) {
            try {
                return build.get();
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                    throw e;
                }
                throw error(key, e.getMessage());
            }
        }

        boolean bool(String key, boolean fallback) {
            JsonPrimitive p = primitive(key, "true or false");
            if (p == null) {
                return fallback;
            }
            if (!p.isBoolean()) {
                throw error(key, "must be true or false, got " + p);
            }
            return p.getAsBoolean();
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
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()
                        || x.getAsDouble() != Math.rint(x.getAsDouble())) {
                    throw error(key, "must hold integers only, got " + x);
                }
                out.add(x.getAsInt());
            }
            return out;
        }

        Fields object(String key) {
            JsonElement e = get(key);
            if (e == null) {
                return null;
            }
            if (!e.isJsonObject()) {
                throw error(key, "must be an object, got " + e);
            }
            return new Fields(file, path + key + ".", e.getAsJsonObject());
        }

        <T> T parse(String key, String value, Function<String, T> parser) {
            try {
                return parser.apply(value);
            } catch (RuntimeException e) {
                throw error(key, "'" + value + "' is not valid: " + e.getMessage());
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
