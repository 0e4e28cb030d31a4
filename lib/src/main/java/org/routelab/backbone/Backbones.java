package org.routelab.backbone;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.routelab.backbone.t5.T5Model;

/** Chooses the architecture of a Hugging Face folder from its {@code config.json}'s {@code model_type}. */
final class Backbones {
    @FunctionalInterface
    interface Loader {
        LanguageModel load(Path folder, NDManager manager, DataType dataType);
    }

    private static final Map<String, Loader> LOADERS = new TreeMap<>(Map.of("t5", T5Model::load));

    private Backbones() {}

    static LanguageModel load(Path folder, NDManager manager, DataType dataType) {
        ConfigJson config = ConfigJson.read(folder.resolve("config.json"));
        if (!config.has("model_type")) {
            throw config.invalid("model_type", "is missing; supported: " + LOADERS.keySet());
        }
        Loader loader = LOADERS.get(config.stringOr("model_type", ""));
        if (loader == null) {
            throw config.invalid("model_type", "'" + config.stringOr("model_type", "") + "' is not supported; supported: "
                    + LOADERS.keySet());
        }
        return loader.load(folder, manager, dataType);
    }
}
