package org.routelab.backbone;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rewrites a transformers-4 {@code config.json} as transformers 5 saves the same model, from its
 * configuration classes: Llama-family rotary fields move into {@code rope_parameters}; Qwen2 gets
 * {@code layer_types} and {@code sliding_window: null} when the window is off; T5 gets {@code
 * tie_word_embeddings: true} with {@code scale_decoder_outputs} holding the old tie flag.
 */
public final class TransformersLayouts {
    private TransformersLayouts() {}

    /**
     * Returns the transformers-5 form of a transformers-4 configuration.
     *
     * @param v4 the configuration (not modified)
     * @return the rewritten copy
     */
    public static JsonObject toV5(JsonObject v4) {
        JsonObject o = v4.deepCopy();
        o.addProperty("transformers_version", "5.17.0");
        String type = o.get("model_type").getAsString();
        if ("t5".equals(type)) {
            boolean tied = !o.has("tie_word_embeddings") || o.get("tie_word_embeddings").getAsBoolean();
            o.addProperty("tie_word_embeddings", true);
            o.addProperty("scale_decoder_outputs", tied);
            return o;
        }
        JsonObject rope = new JsonObject();
        JsonElement scaling = o.remove("rope_scaling");
        if (scaling != null && scaling.isJsonObject()) {
            scaling.getAsJsonObject().entrySet().forEach(e -> rope.add(e.getKey().equals("type") ? "rope_type" : e.getKey(),
                    e.getValue()));
        }
        if (!rope.has("rope_type")) {
            rope.addProperty("rope_type", "default");
        }
        JsonElement theta = o.remove("rope_theta");
        rope.addProperty("rope_theta", theta == null ? 10000.0 : theta.getAsDouble());
        o.add("rope_parameters", rope);
        if ("qwen2".equals(type)) {
            boolean on = o.has("use_sliding_window") && o.get("use_sliding_window").getAsBoolean();
            if (!on) {
                o.add("sliding_window", JsonNull.INSTANCE);
            } else if (!o.has("sliding_window")) {
                o.addProperty("sliding_window", 4096);
            }
            int from = o.has("max_window_layers") ? o.get("max_window_layers").getAsInt() : 28;
            JsonArray types = new JsonArray();
            for (int i = 0; i < o.get("num_hidden_layers").getAsInt(); i++) {
                types.add(on && i >= from ? "sliding_attention" : "full_attention");
            }
            o.add("layer_types", types);
        }
        return o;
    }

    /**
     * Rewrites a model folder's {@code config.json} in place.
     *
     * @param folder the model folder
     * @param config the new content
     * @throws IOException if the file cannot be written
     */
    public static void writeConfig(Path folder, JsonObject config) throws IOException {
        Files.writeString(folder.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create().toJson(config));
    }
}
