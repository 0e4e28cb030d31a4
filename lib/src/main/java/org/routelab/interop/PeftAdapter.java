package org.routelab.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.checkpoint.SafetensorsFile;
import org.routelab.method.MethodConfig;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

/**
 * An adapter folder written by PEFT ({@link PeftFormat}), read into RouteLab's methods: a LORA adapter
 * becomes the {@code lora} method, a POLY adapter {@code poly} ({@code n_splits} 1) or {@code mhr}
 * (heads = {@code n_splits}), on exactly the projections the file holds, one router per projection.
 * RouteLab's {@code lora} method has scale 1, so PEFT's scale ({@code lora_alpha / r}, or {@code
 * lora_alpha / sqrt(r)} with {@code use_rslora}) is folded into {@code B}: the adapted model computes the
 * same function. Every key, shape and setting is checked when the folder is read; what RouteLab cannot
 * reproduce (DoRA, biases, fan-in-fan-out weights, per-module ranks, extra trained modules) is refused
 * naming the file, field and value.
 */
public final class PeftAdapter {
    /** Config fields that must hold their neutral value, with it. */
    private static final Map<String, String> NEUTRAL = Map.of(
            "use_dora", "false", "fan_in_fan_out", "false", "bias", "\"none\"", "lora_bias", "false",
            "modules_to_save", "null", "rank_pattern", "{}", "alpha_pattern", "{}", "layer_replication", "null");

    private final Path folder;
    private final String method;
    private final int rank;
    private final double scale;
    private final int skills;
    private final int heads;
    private final int tasks;
    private final List<String> taskNames;
    private final List<String> modules;

    private PeftAdapter(Path folder, String method, int rank, double scale, int skills, int heads, int tasks,
            List<String> taskNames, List<String> modules) {
        this.folder = folder;
        this.method = method;
        this.rank = rank;
        this.scale = scale;
        this.skills = skills;
        this.heads = heads;
        this.tasks = tasks;
        this.taskNames = List.copyOf(taskNames);
        this.modules = List.copyOf(modules);
    }

    /**
     * Reads and checks an adapter folder ({@code adapter_config.json}, {@code adapter_model.safetensors},
     * and for POLY an optional {@code task_names.json}).
     *
     * @param folder the adapter folder
     * @return the adapter
     * @throws ModelConfigException naming the file, field or tensor when something is missing or not supported
     */
    public static PeftAdapter read(Path folder) {
        Path configFile = folder.resolve(PeftFormat.CONFIG);
        ConfigJson c = ConfigJson.read(configFile);
        String type = c.stringOr("peft_type", "");
        Path weights = folder.resolve(PeftFormat.WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new ModelConfigException(weights + ": file not found" + (Files.exists(folder.resolve(PeftFormat.PICKLED_WEIGHTS))
                    ? " (the folder has " + PeftFormat.PICKLED_WEIGHTS + ", a PyTorch pickle RouteLab never reads;"
                    + " save the adapter with safe_serialization=True)" : ""));
        }
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            return switch (type) {
                case "LORA" -> lora(folder, c, file);
                case "POLY" -> poly(folder, c, file);
                default -> throw c.invalid("peft_type", "is '" + type + "'; RouteLab reads LORA and POLY adapters");
            };
        }
    }

    private static PeftAdapter lora(Path folder, ConfigJson c, SafetensorsFile file) {
        NEUTRAL.forEach((field, neutral) -> {
            if (c.json().has(field) && !c.json().get(field).equals(JsonParser.parseString(neutral))
                    && !(neutral.equals("null") && c.json().get(field).isJsonArray()
                            && c.json().get(field).getAsJsonArray().isEmpty())) {
                throw c.invalid(field, "= " + c.json().get(field) + " is not supported (RouteLab's LoRA needs " + neutral + ")");
            }
        });
        int r = c.positiveInt("r");
        double alpha = c.doubleOr("lora_alpha", 8);
        double scale = c.boolOr("use_rslora", false) ? alpha / Math.sqrt(r) : alpha / r;
        List<String> modules = modules(file, PeftFormat.LORA_A, Set.of(PeftFormat.LORA_A, PeftFormat.LORA_B));
        for (String m : modules) {
            Shape a = shape(file, m + PeftFormat.LORA_A);
            Shape b = shape(file, m + PeftFormat.LORA_B);
            if (a.dimension() != 2 || b.dimension() != 2 || a.get(0) != r || b.get(1) != r) {
                throw tensorError(file, m, "lora_A.weight " + a + " and lora_B.weight " + b + " must be [r, d_in] and"
                        + " [d_out, r] with r = " + r + " (per-module ranks are not supported)");
            }
        }
        return new PeftAdapter(folder, "lora", r, scale, 1, 1, 1, List.of(), modules);
    }

    private static PeftAdapter poly(Path folder, ConfigJson c, SafetensorsFile file) {
        String polyType = c.stringOr("poly_type", "poly");
        if (!"poly".equals(polyType)) {
            throw c.invalid("poly_type", "is '" + polyType + "'; RouteLab reads 'poly'");
        }
        if (c.has("modules_to_save")) {
            throw c.invalid("modules_to_save", "= " + c.json().get("modules_to_save") + " is not supported");
        }
        int r = c.positiveInt("r");
        int tasks = c.positiveInt("n_tasks");
        int skills = c.positiveInt("n_skills");
        int splits = c.positiveInt("n_splits");
        List<String> modules = modules(file, PeftFormat.POLY_A,
                Set.of(PeftFormat.POLY_A, PeftFormat.POLY_B, PeftFormat.POLY_LOGITS));
        for (String m : modules) {
            Shape a = shape(file, m + PeftFormat.POLY_A);
            Shape b = shape(file, m + PeftFormat.POLY_B);
            Shape z = shape(file, m + PeftFormat.POLY_LOGITS);
            if (a.dimension() != 4 || b.dimension() != 4 || a.get(0) != splits || a.get(1) != skills || a.get(3) != r
                    || b.get(0) != splits || b.get(1) != skills || b.get(2) != r
                    || !z.equals(new Shape(tasks, (long) splits * skills))) {
                throw tensorError(file, m, "poly_lora_A " + a + ", poly_lora_B " + b + " and module_logits " + z
                        + " do not fit n_splits " + splits + ", n_skills " + skills + ", r " + r + ", n_tasks " + tasks);
            }
        }
        List<String> names = taskNames(folder.resolve(PeftFormat.TASK_NAMES), tasks);
        return new PeftAdapter(folder, splits == 1 ? "poly" : "mhr", r, 1.0, skills, splits, tasks, names,
                modules);
    }

    /** The module paths of the file, each with every expected suffix and nothing else. */
    private static List<String> modules(SafetensorsFile file, String marker, Set<String> suffixes) {
        Set<String> modules = new LinkedHashSet<>();
        for (String key : file.names()) {
            String suffix = suffixes.stream().filter(key::endsWith).findFirst().orElse(null);
            if (!key.startsWith(PeftFormat.PREFIX) || suffix == null) {
                throw new ModelConfigException(file.path() + ": tensor '" + key + "' is not one of PEFT's keys "
                        + PeftFormat.PREFIX + "<module>{" + String.join(", ", suffixes) + "}");
            }
            modules.add(key.substring(PeftFormat.PREFIX.length(), key.length() - suffix.length()));
        }
        if (modules.isEmpty()) {
            throw new ModelConfigException(file.path() + ": holds no adapter tensors");
        }
        for (String m : modules) {
            for (String suffix : suffixes) {
                if (!file.contains(PeftFormat.PREFIX + m + suffix)) {
                    throw tensorError(file, m, "has no '" + PeftFormat.PREFIX + m + suffix + "'");
                }
            }
        }
        return new ArrayList<>(modules);
    }

    private static List<String> taskNames(Path file, int tasks) {
        if (!Files.isRegularFile(file)) {
            List<String> generic = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                generic.add("task" + t);
            }
            return generic;
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            List<String> names = new ArrayList<>();
            e.getAsJsonArray().forEach(n -> names.add(n.getAsString()));
            if (names.size() != tasks) {
                throw new ModelConfigException(file + ": lists " + names.size() + " tasks, n_tasks is " + tasks);
            }
            return names;
        } catch (IOException | JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new ModelConfigException(file + ": expected a JSON list of task names: " + e.getMessage(), e);
        }
    }

    private static Shape shape(SafetensorsFile file, String module) {
        return file.info(PeftFormat.PREFIX + module).shape();
    }

    private static ModelConfigException tensorError(SafetensorsFile file, String module, String problem) {
        return new ModelConfigException(file.path() + ": module '" + module + "': " + problem);
    }

    /** Returns the name of the RouteLab method the adapter becomes: lora, poly or mhr. */
    public String method() {
        return method;
    }

    /** Returns the training tasks' names in router order (empty for LoRA; {@code taskN} when the folder has none). */
    public List<String> taskNames() {
        return taskNames;
    }

    /** Returns the adapted projections' paths. */
    public List<String> modules() {
        return modules;
    }

    /**
     * Returns the method configuration that rebuilds the adapter's structure: its rank, skills, heads
     * and tasks, one router per projection, and targets that select exactly its projections.
     *
     * @return the configuration
     */
    public MethodConfig methodConfig() {
        Set<String> parents = new LinkedHashSet<>();
        Set<String> leaves = new LinkedHashSet<>();
        for (String m : modules) {
            int dot = m.lastIndexOf('.');
            parents.add(dot < 0 ? "" : m.substring(0, dot));
            leaves.add(m.substring(dot + 1));
        }
        String parentRegex = "^(?:" + parents.stream().map(Pattern::quote).collect(Collectors.joining("|")) + ")$";
        String leafRegex = leaves.stream().map(Pattern::quote).collect(Collectors.joining("|"));
        MethodConfig c = MethodConfig.defaults(method).with("rank", rank);
        if (!"lora".equals(method)) {
            c = c.with("skills", skills);
        }
        if ("mhr".equals(method)) {
            c = c.with("heads", heads);
        }
        return c.withTasks(tasks).withTargets(parentRegex, leafRegex);
    }

    /**
     * Reads the tensors under RouteLab's parameter names for a model the {@link #methodConfig()} was
     * injected into ({@code <module>.adapter.lora_a [d_in, r]}, {@code lora_b [r, d_out]} with the scale
     * folded in; Poly and MHR tensors as they are, logits under {@code <module>.adapter.router}).
     *
     * @param manager owns the arrays
     * @return parameter path to array
     */
    public Map<String, NDArray> weights(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(folder.resolve(PeftFormat.WEIGHTS))) {
            for (String m : modules) {
                String prefix = PeftFormat.PREFIX + m;
                String target = m + "." + AdapterTensors.ADAPTER + ".";
                if ("lora".equals(method)) {
                    try (NDManager scope = manager.newSubManager()) {
                        NDArray a = file.read(prefix + PeftFormat.LORA_A, DataType.FLOAT32, scope).transpose();
                        NDArray b = file.read(prefix + PeftFormat.LORA_B, DataType.FLOAT32, scope).transpose()
                                .mul((float) scale);
                        out.put(target + AdapterTensors.LORA_A, AdapterTensors.rowMajor(a, manager));
                        out.put(target + AdapterTensors.LORA_B, AdapterTensors.rowMajor(b, manager));
                    }
                } else {
                    out.put(target + AdapterTensors.LORA_A, file.read(prefix + PeftFormat.POLY_A, DataType.FLOAT32, manager));
                    out.put(target + AdapterTensors.LORA_B, file.read(prefix + PeftFormat.POLY_B, DataType.FLOAT32, manager));
                    out.put(target + AdapterTensors.ROUTER + "." + AdapterTensors.LOGITS,
                            file.read(prefix + PeftFormat.POLY_LOGITS, DataType.FLOAT32, manager));
                }
            }
        }
        return out;
    }

    /**
     * Injects the adapter into a backbone and sets its weights, checking that the injected parameters
     * and the file's tensors are the same set with the same shapes.
     *
     * @param model the backbone (changed in place)
     * @return the adapted projections' paths
     * @throws ModelConfigException if a module is missing from the model or its shape differs
     */
    public List<String> applyTo(LanguageModel model) {
        List<String> injected;
        try {
            // The initial values are replaced by the file's, so any stream serves.
            injected = methodConfig().inject(model, RandomStream.of(0), DataType.FLOAT32);
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(folder + ": the adapter does not fit the model: " + e.getMessage(), e);
        }
        if (!injected.equals(modules) && !Set.copyOf(injected).equals(Set.copyOf(modules))) {
            throw new ModelConfigException(folder + ": the adapter's modules " + modules + " are not exactly the"
                    + " model's projections they select " + injected);
        }
        load(model, weights(model.manager()));
        return injected;
    }

    /**
     * Sets parameters of a model with injected adapters, all or nothing.
     *
     * @param model the model
     * @param weights parameter path to value
     * @throws ModelConfigException naming the first missing parameter or mismatched shape
     */
    static void load(LanguageModel model, Map<String, NDArray> weights) {
        Map<String, Parameter> params = model.namedParameters();
        weights.forEach((name, value) -> {
            Parameter p = params.get(name);
            if (p == null || !p.shape().equals(value.getShape())) {
                throw new ModelConfigException("adapter tensor '" + name + "' " + value.getShape()
                        + (p == null ? " has no parameter in the model" : " does not fit the model's " + p.shape()));
            }
        });
        weights.forEach((name, value) -> params.get(name).set(value));
    }
}
