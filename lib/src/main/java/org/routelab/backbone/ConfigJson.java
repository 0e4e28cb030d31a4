package org.routelab.backbone;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Typed access to a Hugging Face {@code config.json} whose errors name the file and the field.
 */
public final class ConfigJson {
    private final JsonObject json;
    private final String source;

    /**
     * Wraps a parsed object.
     *
     * @param json the parsed configuration
     * @param source where it came from, used in error messages
     */
    public ConfigJson(JsonObject json, String source) {
        this.json = json;
        this.source = source;
    }

    /**
     * Reads and parses a configuration file.
     *
     * @param file the {@code config.json}
     * @return the configuration
     * @throws ModelConfigException if the file is missing or not a JSON object
     */
    public static ConfigJson read(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw new ModelConfigException(file + ": expected a JSON object");
            }
            return new ConfigJson(e.getAsJsonObject(), file.toString());
        } catch (NoSuchFileException e) {
            throw new ModelConfigException(file + ": file not found", e);
        } catch (IOException e) {
            throw new ModelConfigException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JsonSyntaxException e) {
            throw new ModelConfigException(file + ": malformed JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a built-in preset, {@code presets/NAME.json} beside {@code owner}.
     *
     * @param owner the config class whose package holds the presets
     * @param family the model family, for the error message
     * @param presets the known preset names
     * @param name the preset name
     * @return the configuration
     * @throws ModelConfigException if {@code name} is not a known preset
     */
    public static ConfigJson preset(Class<?> owner, String family, List<String> presets, String name) {
        if (!presets.contains(name)) {
            throw new ModelConfigException("unknown " + family + " preset '" + name + "'; known presets: " + presets);
        }
        String resource = "presets/" + name + ".json";
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            JsonObject o = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            return new ConfigJson(o, "preset " + name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
    }

    /** Returns the underlying object (a live view). */
    public JsonObject json() {
        return json;
    }

    /** Returns where the configuration came from. */
    public String source() {
        return source;
    }

    /**
     * Returns whether a non-null field is present.
     *
     * @param field the field name
     * @return whether it is present
     */
    public boolean has(String field) {
        return json.has(field) && !json.get(field).isJsonNull();
    }

    /**
     * Returns a required positive integer field.
     *
     * @param field the field name
     * @return its value
     */
    public int positiveInt(String field) {
        if (!has(field)) {
            throw new ModelConfigException(source + ": missing field '" + field + "'");
        }
        int v = intValue(field);
        if (v <= 0) {
            throw new ModelConfigException(source + ": field '" + field + "' must be positive, got " + v);
        }
        return v;
    }

    /**
     * Returns an integer field or a default.
     *
     * @param field the field name
     * @param fallback the default when absent
     * @return its value
     */
    public int intOr(String field, int fallback) {
        return has(field) ? intValue(field) : fallback;
    }

    /**
     * Returns a number field or a default.
     *
     * @param field the field name
     * @param fallback the default when absent
     * @return its value
     */
    public double doubleOr(String field, double fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonPrimitive p = primitive(field);
        if (!p.isNumber()) {
            throw new ModelConfigException(source + ": field '" + field + "' must be a number, got " + p);
        }
        return p.getAsDouble();
    }

    /**
     * Returns a boolean field or a default.
     *
     * @param field the field name
     * @param fallback the default when absent
     * @return its value
     */
    public boolean boolOr(String field, boolean fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonPrimitive p = primitive(field);
        if (!p.isBoolean()) {
            throw new ModelConfigException(source + ": field '" + field + "' must be true or false, got " + p);
        }
        return p.getAsBoolean();
    }

    /**
     * Returns a string field or a default.
     *
     * @param field the field name
     * @param fallback the default when absent
     * @return its value
     */
    public String stringOr(String field, String fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonPrimitive p = primitive(field);
        if (!p.isString()) {
            throw new ModelConfigException(source + ": field '" + field + "' must be a string, got " + p);
        }
        return p.getAsString();
    }

    /**
     * Returns an integer field that may also be a list of integers (e.g. {@code eos_token_id}).
     *
     * @param field the field name
     * @return its values: one for an integer, every element for a list
     * @throws ModelConfigException if the field is missing, an empty list, or holds a non-integer
     */
    public int[] intArray(String field) {
        if (!has(field)) {
            throw new ModelConfigException(source + ": missing field '" + field + "'");
        }
        JsonElement e = json.get(field);
        if (!e.isJsonArray()) {
            return new int[] {intValue(field)};
        }
        int[] out = new int[e.getAsJsonArray().size()];
        if (out.length == 0) {
            throw invalid(field, "is an empty list");
        }
        for (int i = 0; i < out.length; i++) {
            JsonElement v = e.getAsJsonArray().get(i);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()
                    || v.getAsDouble() != Math.rint(v.getAsDouble())) {
                throw invalid(field, "must be an integer or a list of integers, got " + e);
            }
            out[i] = v.getAsInt();
        }
        return out;
    }

    /**
     * Returns a nested object field (e.g. {@code rope_scaling}) whose errors name this source and the field.
     *
     * @param field the field name
     * @return the nested fields
     * @throws ModelConfigException if the field is missing or not an object
     */
    public ConfigJson object(String field) {
        if (!has(field)) {
            throw new ModelConfigException(source + ": missing field '" + field + "'");
        }
        JsonElement e = json.get(field);
        if (!e.isJsonObject()) {
            throw invalid(field, "must be an object, got " + e);
        }
        return new ConfigJson(e.getAsJsonObject(), source + ": field '" + field + "'");
    }

    /**
     * Refuses a field that would change the computation in a way RouteLab does not implement, rather
     * than ignoring it: present with a value other than {@code null}, {@code false}, an empty object
     * or list, or {@code neutral} (e.g. 1 for a factor), it is an error naming the source, field and value.
     *
     * @param field the field name, e.g. {@code quantization_config}
     * @param neutral a number that means "off" (e.g. 1.0 for {@code partial_rotary_factor}), or null
     * @param meaning what the field does, for the message
     * @throws ModelConfigException if the field is set
     */
    public void refuseIfSet(String field, Double neutral, String meaning) {
        if (!has(field)) {
            return;
        }
        JsonElement e = json.get(field);
        boolean off = (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && !e.getAsBoolean())
                || (e.isJsonObject() && e.getAsJsonObject().size() == 0)
                || (e.isJsonArray() && e.getAsJsonArray().size() == 0)
                || (neutral != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()
                        && e.getAsDouble() == neutral);
        if (!off) {
            throw new ModelConfigException(source + ": field '" + field + "' = " + e + " (" + meaning
                    + ") changes the computation and is not supported by RouteLab");
        }
    }

    /**
     * Signals an invalid value.
     *
     * @param field the field name
     * @param problem what is wrong with it
     * @return the exception to throw
     */
    public ModelConfigException invalid(String field, String problem) {
        return new ModelConfigException(source + ": field '" + field + "' " + problem);
    }

    private int intValue(String field) {
        JsonPrimitive p = primitive(field);
        if (!p.isNumber() || p.getAsDouble() != Math.rint(p.getAsDouble())) {
            throw new ModelConfigException(source + ": field '" + field + "' must be an integer, got " + p);
        }
        return p.getAsInt();
    }

    private JsonPrimitive primitive(String field) {
        JsonElement e = json.get(field);
        if (!e.isJsonPrimitive()) {
            throw new ModelConfigException(source + ": field '" + field + "' must be a scalar, got " + e);
        }
        return e.getAsJsonPrimitive();
    }
}
