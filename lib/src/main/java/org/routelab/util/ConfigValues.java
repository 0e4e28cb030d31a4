package org.routelab.util;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks of single config values against their type and a sane range, for the config binder and the
 * records it builds. Each throws a {@link ConfigException} naming the key and the value.
 */
public final class ConfigValues {
    /** The most steps a phase may take (10^8; the papers' longest runs take 10^5). */
    public static final int MAX_STEPS = 100_000_000;
    /** The largest batch size, shot count or validation set accepted (2^20). */
    public static final int MAX_EXAMPLES = 1 << 20;
    /** The largest learning rate accepted. */
    public static final float MAX_LEARNING_RATE = 100f;

    private ConfigValues() {}

    /**
     * Checks that an integer lies in a range.
     *
     * @param key the key's path
     * @param value the value
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @return the value
     * @throws ConfigException if it is out of range
     */
    public static int range(String key, int value, int min, int max) {
        if (value < min) {
            throw new ConfigException(key, "must be >= " + min + ", got " + value);
        }
        if (value > max) {
            throw new ConfigException(key, "must be at most " + max + ", got " + value);
        }
        return value;
    }

    /**
     * Checks a learning rate: positive, finite and at most {@link #MAX_LEARNING_RATE}.
     *
     * @param key the key's path
     * @param value the value, or null for the method's default
     * @return the value
     * @throws ConfigException if it is not
     */
    public static Float learningRate(String key, Float value) {
        if (value != null && !(value > 0 && value <= MAX_LEARNING_RATE)) {
            throw new ConfigException(key, "must be a positive number up to " + MAX_LEARNING_RATE + ", got " + value);
        }
        return value;
    }

    /**
     * Checks every number of a JSON tree as written, before it is bound: a floating-point literal must
     * stay what it says as a 32-bit float, which every config number is ({@code 1e-50} would silently
     * become 0, {@code 1e39} infinity).
     *
     * @param node the tree given
     * @param path its dotted path
     * @throws ConfigException naming the first number that would not survive
     */
    public static void float32(JsonNode node, String path) {
        if (node == null) {
            return;
        }
        if (node.isContainerNode()) {
            for (var it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                float32(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
            }
            for (int i = 0; node.isArray() && i < node.size(); i++) {
                float32(node.get(i), path + "[" + i + "]");
            }
        } else if (node.isFloatingPointNumber() && node.doubleValue() != 0) {
            float f = (float) node.doubleValue();
            if (f == 0) {
                throw new ConfigException(path, "got " + node + ", which is 0 as a 32-bit float (the smallest"
                        + " positive one is " + Float.MIN_VALUE + ")");
            }
            if (Float.isInfinite(f)) {
                throw new ConfigException(path, "got " + node + ", beyond the largest 32-bit float (" + Float.MAX_VALUE + ")");
            }
        }
    }

    /**
     * Checks that a name is one of those that exist.
     *
     * @param value the name given
     * @param what what the names are, e.g. {@code held-out task}
     * @param known the names that exist
     * @return {@code value}
     * @throws IllegalArgumentException listing the names that exist
     */
    public static String oneOf(String value, String what, Collection<String> known) {
        if (known.contains(value)) {
            return value;
        }
        String list = String.join(", ", known);
        throw new IllegalArgumentException("no " + what + " '" + value + "'; the " + what + "s are: "
                + (list.length() <= 400 ? list : list.substring(0, 397) + "..."));
    }

    /**
     * Compiles a regular expression.
     *
     * @param key the key's path
     * @param value the expression, or null
     * @return the pattern, or null for null
     * @throws ConfigException naming the error's position when it does not compile
     */
    public static Pattern regex(String key, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key, "/" + value + "/ is not a valid regular expression: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""));
        }
    }
}
