package org.routelab.backbone;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.routelab.backbone.llama.LlamaConfig;
import org.routelab.backbone.llama.LlamaModel;
import org.routelab.backbone.t5.T5Config;
import org.routelab.backbone.t5.T5Model;

/**
 * The architectures by {@code config.json}'s {@code model_type}: how each is built from a
 * configuration and loaded from a Hugging Face folder, and the built-in presets of all of them.
 */
final class Backbones {
    /** How one architecture is made. */
    private record Family(Creator creator, Loader loader) {}

    @FunctionalInterface
    private interface Creator {
        LanguageModel create(ConfigJson config, NDManager manager, DataType dataType);
    }

    @FunctionalInterface
    private interface Loader {
        LanguageModel load(Path folder, NDManager manager, DataType dataType);
    }

    private static final Family T5 = new Family(
            (c, m, t) -> new T5Model(m, T5Config.fromJson(c), t), T5Model::load);
    private static final Family LLAMA = new Family(
            (c, m, t) -> new LlamaModel(m, LlamaConfig.fromJson(c), t), LlamaModel::load);
    private static final Map<String, Family> FAMILIES =
            new TreeMap<>(Map.of("t5", T5, "llama", LLAMA, "mistral", LLAMA, "qwen2", LLAMA));

    private Backbones() {}

    static LanguageModel load(Path folder, NDManager manager, DataType dataType) {
        return family(ConfigJson.read(folder.resolve("config.json"))).loader().load(folder, manager, dataType);
    }

    static LanguageModel create(ConfigJson config, NDManager manager, DataType dataType) {
        return family(config).creator().create(config, manager, dataType);
    }

    static List<String> presets() {
        List<String> all = new ArrayList<>(T5Config.PRESETS);
        all.addAll(LlamaConfig.PRESETS);
        return all;
    }

    static ConfigJson preset(String name) {
        if (T5Config.PRESETS.contains(name)) {
            return new ConfigJson(T5Config.preset(name).toJson(), "preset " + name);
        }
        if (LlamaConfig.PRESETS.contains(name)) {
            return new ConfigJson(LlamaConfig.preset(name).toJson(), "preset " + name);
        }
        throw new ModelConfigException("unknown backbone preset '" + name + "'; known presets: " + presets());
    }

    private static Family family(ConfigJson config) {
        if (!config.has("model_type")) {
            throw config.invalid("model_type", "is missing; supported: " + FAMILIES.keySet());
        }
        Family family = FAMILIES.get(config.stringOr("model_type", ""));
        if (family == null) {
            throw config.invalid("model_type", "'" + config.stringOr("model_type", "") + "' is not supported; supported: "
                    + FAMILIES.keySet());
        }
        return family;
    }
}
