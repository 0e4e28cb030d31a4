package org.routelab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.routelab.analysis.ParameterAccount;
import org.routelab.backbone.AdapterTargets;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.method.MethodConfig;
import org.routelab.routing.Granularity;
import org.routelab.util.ConfigBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code routelab params}: parameter accounting of methods on a backbone, counted from the built
 * model (structure only, no weights), printed as CSV.
 */
@Command(name = "params", mixinStandardHelpOptions = true,
        description = "Count expert, routing and adaptation parameters of methods on a backbone (CSV).")
final class ParamsCommand implements Callable<Integer> {
    /**
     * The MHR paper's "light" layout: k, v and the feed-forward's un-activated input projection only
     * (T5's wi_1, Llama's up_proj); the names of the two families do not collide, so one pair serves both.
     */
    private static final AdapterTargets LIGHT = new AdapterTargets(
            AdapterTargets.T5.modules() + "|" + AdapterTargets.LLAMA.modules(), "k|v|wi_1|k_proj|v_proj|up_proj");

    @Option(names = "--backbone", required = true,
            description = "Preset (${COMPLETION-CANDIDATES}), a config.json, or a folder holding one.",
            completionCandidates = Presets.class)
    private String backbone;

    @Option(names = "--method", required = true, split = ",",
            description = "Methods, comma-separated (any registered name, e.g. lora, poly, mhr, tensorpoly-1, trex).")
    private List<String> methods;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "A method option by its run-config key, e.g. heads=64, tensor_rank=4, down=4 (repeatable);"
                    + " applies to every listed method that has the key (default: the method's paper setting).")
    private Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--tasks", defaultValue = "313",
            description = "Training tasks T (default: ${DEFAULT-VALUE}, the T0 mixture's task-template pairs).")
    private int tasks;

    @Option(names = "--granularity", defaultValue = "layer",
            description = "Router sharing: layer, sublayer, block, stack or model (default: ${DEFAULT-VALUE}).")
    private String granularity;

    @Option(names = "--targets", defaultValue = "all",
            description = "Adapted projections: all (every attention and feed-forward projection), light (k, v and"
                    + " T5's wi_1 or Llama's up_proj) or <modules-regex>:<layers-regex> (default: ${DEFAULT-VALUE}).")
    private String targets;

    @Override
    public Integer call() {
        for (String key : options.keySet()) {
            if (methods.stream().noneMatch(m -> MethodConfig.defaults(m.trim()).toJson().has(key))) {
                throw new IllegalArgumentException("--option " + key + ": none of the methods " + methods
                        + " has this option");
            }
        }
        ConfigJson config = readBackbone(backbone);
        System.out.println(ParameterAccount.CSV_HEADER);
        for (String name : methods) {
            System.out.println(ParameterAccount.of(config, configure(name.trim())).csvRow(backbone));
        }
        return 0;
    }

    private MethodConfig configure(String name) {
        MethodConfig c = MethodConfig.defaults(name).withTasks(tasks).withGranularity(Granularity.parse(granularity));
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (c.toJson().has(o.getKey())) {
                c = c.with(o.getKey(), scalar(o.getValue()));
            }
        }
        if (targets.equals("light")) {
            return c.withTargets(LIGHT.modules(), LIGHT.layers());
        }
        if (!targets.equals("all")) {
            int colon = targets.indexOf(':');
            if (colon <= 0 || colon == targets.length() - 1) {
                throw new IllegalArgumentException("--targets must be all, light or <modules-regex>:<layers-regex>, not '"
                        + targets + "'");
            }
            return c.withTargets(targets.substring(0, colon), targets.substring(colon + 1));
        }
        return c;
    }

    /** A command-line value as the JSON scalar it spells: a number, true or false, else the string. */
    private static Object scalar(String text) {
        try {
            JsonNode node = ConfigBinding.MAPPER.readTree(text);
            if (node != null && node.isValueNode()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // not a JSON scalar: the text itself
        }
        return text;
    }

    /**
     * Reads a preset name, {@code builtin} or {@code builtin-llama} (the built-in backbones' shapes, with
     * the default SkillComp vocabulary), a config.json or a model folder, of any architecture.
     */
    static ConfigJson readBackbone(String name) {
        for (BuiltinBackbone.Architecture a : BuiltinBackbone.Architecture.values()) {
            if (name.equals(builtinName(a))) {
                return a.config(BuiltinBackbone.Recipe.DEFAULT.data());
            }
        }
        Path path = Path.of(name);
        if (Files.isDirectory(path)) {
            return ConfigJson.read(path.resolve("config.json"));
        }
        return Files.exists(path) ? ConfigJson.read(path) : LanguageModel.preset(name);
    }

    /** The name that selects a built-in backbone's shape: {@code builtin} (T5) or {@code builtin-llama}. */
    private static String builtinName(BuiltinBackbone.Architecture a) {
        return a == BuiltinBackbone.Architecture.T5 ? "builtin" : "builtin-" + a.name().toLowerCase(Locale.ROOT);
    }

    /** The preset names and the built-in backbones' names, for the help text. */
    static final class Presets implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            List<String> names = new ArrayList<>(LanguageModel.presets());
            for (BuiltinBackbone.Architecture a : BuiltinBackbone.Architecture.values()) {
                names.add(builtinName(a));
            }
            return names.iterator();
        }
    }
}
