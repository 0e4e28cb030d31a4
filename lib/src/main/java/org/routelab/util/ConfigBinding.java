package org.routelab.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one binder of configuration records (experiment configs, method configs and their options) to and
 * from JSON, and the one place where their values are checked. Keys are the records' component names in
 * snake case; enums are written as their {@code toString} and read case-insensitively. Binding starts from
 * the defaults, so an omitted key keeps its default; an unknown key, a wrong type or a value a record's
 * constructor refuses is a {@link ConfigException} naming the key's path.
 */
public final class ConfigBinding {
    /** The mapper every config goes through: strict about types, keys in snake case. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ConfigBinding() {}

    /**
     * Returns a record as a JSON object.
     *
     * @param value the record
     * @return its tree
     */
    public static ObjectNode toTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * Binds a JSON object onto defaults: every key of {@code given} must exist in {@code defaults}
     * (recursively into objects), and replaces its value there; then the merged tree becomes a record.
     *
     * @param given the JSON given (an object)
     * @param defaults the defaults as a tree (every accepted key present, null where the default is null)
     * @param type the record type
     * @param path the dotted path of {@code given} in its file (empty for the top level)
     * @param <T> the record type
     * @return the record
     * @throws ConfigException naming the key of the first problem
     */
    public static <T> T bind(JsonNode given, ObjectNode defaults, Class<T> type, String path) {
        return convert(merge(defaults, given, path), type, path);
    }

    /**
     * Returns a copy of {@code defaults} with the keys of {@code given} replaced, refusing unknown keys.
     *
     * @param defaults every accepted key with its default
     * @param given the keys given
     * @param path the dotted path of {@code given} (for messages)
     * @return the merged tree
     * @throws ConfigException naming an unknown key or a value that is not an object where one is needed
     */
    public static ObjectNode merge(ObjectNode defaults, JsonNode given, String path) {
        ObjectNode out = defaults.deepCopy();
        if (given == null || given.isNull()) {
            return out;
        }
        ConfigValues.float32(given, path);
        if (!given.isObject()) {
            throw new ConfigException(path, "must be an object, got " + given);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String at = join(path, key);
            if (!defaults.has(key)) {
                List<String> known = new ArrayList<>();
                defaults.fieldNames().forEachRemaining(known::add);
                throw new ConfigException(at, "unknown key (known here: " + String.join(", ", known) + ")");
            }
            JsonNode d = defaults.get(key);
            if (d.isObject() && !e.getValue().isNull()) {
                out.set(key, merge((ObjectNode) d, e.getValue(), at));
            } else {
                out.set(key, e.getValue());
            }
        }
        return out;
    }

    /**
     * Converts a complete tree to a record, turning Jackson's errors into {@link ConfigException}s.
     *
     * @param tree the tree
     * @param type the record type
     * @param path the tree's dotted path
     * @param <T> the record type
     * @return the record
     */
    public static <T> T convert(JsonNode tree, Class<T> type, String path) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw problem(e, path);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof JsonProcessingException j) {
                throw problem(j, path);
            }
            throw e;
        }
    }

    /**
     * Returns a copy of an object tree with one value replaced by its dotted path, e.g. {@code
     * multitask.lr} (what a sweep or a notebook override changes).
     *
     * @param tree the tree
     * @param dottedPath the key's path; every parent must be an object in {@code tree}
     * @param value the new value (any value Jackson writes: numbers, strings, enums, records)
     * @return the new tree
     * @throws ConfigException if a parent key is missing or not an object
     */
    public static ObjectNode with(ObjectNode tree, String dottedPath, Object value) {
        ObjectNode out = tree.deepCopy();
        String[] keys = dottedPath.split("\\.");
        ObjectNode node = out;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode child = node.get(keys[i]);
            if (child == null || !child.isObject()) {
                throw new ConfigException(String.join(".", Arrays.copyOf(keys, i + 1)), "is not an object");
            }
            node = (ObjectNode) child;
        }
        node.set(keys[keys.length - 1], MAPPER.valueToTree(value));
        return out;
    }

    /** Joins a parent path and a key. */
    public static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static ConfigException problem(JsonProcessingException e, String path) {
        String at = path;
        if (e instanceof JsonMappingException m) {
            String inner = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            at = inner.isEmpty() ? path : join(path, inner.replace(".[", "["));
        }
        if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            // A record's constructor refused the values: its message names the value.
            Throwable cause = v.getCause();
            if (cause instanceof ConfigException c) {
                return new ConfigException(c.path().isEmpty() ? parent(at) : join(parent(at), c.path()), c.problem());
            }
            return new ConfigException(parent(at), cause.getMessage());
        }
        if (e instanceof InvalidFormatException f) {
            String expected = f.getTargetType() != null && f.getTargetType().isEnum()
                    ? "one of " + Arrays.stream(f.getTargetType().getEnumConstants()).map(Object::toString)
                            .collect(Collectors.joining(", "))
                    : article(simpleName(f.getTargetType()));
            return new ConfigException(at, "must be " + expected + ", got " + f.getValue());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return new ConfigException(at, "must be " + article(simpleName(m.getTargetType())) + ": "
                    + m.getOriginalMessage().lines().findFirst().orElse(""));
        }
        return new ConfigException(at, e.getOriginalMessage());
    }

    /**
     * The path of the record whose constructor failed: Jackson reports the last key it read, but the
     * constructor checks the whole record.
     */
    private static String parent(String at) {
        return at;
    }

    private static String simpleName(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "integer";
        }
        if (type == float.class || type == Float.class || type == double.class || type == Double.class) {
            return "number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "boolean";
        }
        if (type == String.class) {
            return "string";
        }
        return type.getSimpleName();
    }

    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }
}
