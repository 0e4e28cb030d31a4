package org.routelab.util;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks of single config values against their type and a sane range, for any config binder. A value
 * arrives as the text of its JSON literal, so that nothing is rounded or wrapped before it is checked
 * ({@code 4294967297} is not read as 1, {@code 1e20} is not an integer, {@code 1e-50} is not a usable
 * 32-bit learning rate). Every method throws {@link IllegalArgumentException} whose message says what
 * is wrong with the value; the binder adds the file and the key.
 */
public final class ConfigValues {
    private ConfigValues() {}

    /**
     * Reads an integer written as one: no decimal point, no exponent.
     *
     * @param literal the JSON number's text
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @return the value
     * @throws IllegalArgumentException if the literal is not an integer or is out of range
     */
    public static int integer(String literal, int min, int max) {
        if (!literal.matches("-?\\d+")) {
            throw new IllegalArgumentException("must be an integer, got " + literal
                    + (isNumber(literal) ? " (write it without a decimal point or exponent)" : ""));
        }
        BigInteger v = new BigInteger(literal);
        if (v.compareTo(BigInteger.valueOf(min)) < 0) {
            throw new IllegalArgumentException("must be >= " + min + ", got " + literal);
        }
        if (v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException("must be at most " + max + ", got " + literal);
        }
        return v.intValueExact();
    }

    /**
     * Reads a positive number that must stay positive and finite as a 32-bit float.
     *
     * @param literal the JSON number's text
     * @param max the largest allowed value
     * @return the value as a float
     * @throws IllegalArgumentException if it is not positive, exceeds {@code max}, or rounds to 0
     */
    public static float positive(String literal, double max) {
        BigDecimal v = decimal(literal);
        if (v.signum() <= 0) {
            throw new IllegalArgumentException("must be a positive number, got " + literal);
        }
        return inFloatRange(literal, v, max);
    }

    /**
     * Reads a number {@code >= 0} that stays finite as a 32-bit float (0 stays 0; a positive value
     * must not round to 0).
     *
     * @param literal the JSON number's text
     * @param max the largest allowed value
     * @return the value as a float
     * @throws IllegalArgumentException if it is negative, exceeds {@code max}, or a positive value rounds to 0
     */
    public static float nonNegative(String literal, double max) {
        BigDecimal v = decimal(literal);
        if (v.signum() < 0) {
            throw new IllegalArgumentException("must be a number >= 0, got " + literal);
        }
        return v.signum() == 0 ? 0f : inFloatRange(literal, v, max);
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
        throw new IllegalArgumentException("no " + what + " '" + value + "'; the " + what + "s are: "
                + abbreviate(String.join(", ", known), 400));
    }

    /**
     * Compiles a regular expression.
     *
     * @param value the expression
     * @return the pattern
     * @throws IllegalArgumentException naming the error's position when it does not compile
     */
    public static Pattern regex(String value) {
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("/" + value + "/ is not a valid regular expression: "
                    + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""), e);
        }
    }

    private static boolean isNumber(String literal) {
        try {
            new BigDecimal(literal);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static BigDecimal decimal(String literal) {
        try {
            return new BigDecimal(literal);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a number, got " + literal, e);
        }
    }

    private static float inFloatRange(String literal, BigDecimal v, double max) {
        if (v.compareTo(new BigDecimal(max)) > 0) {
            throw new IllegalArgumentException("must be at most " + max + ", got " + literal);
        }
        float f = v.floatValue();
        if (f == 0f) {
            throw new IllegalArgumentException("got " + literal + ", which is 0 as a 32-bit float (the smallest"
                    + " positive one is " + Float.MIN_VALUE + ")");
        }
        return f;
    }

    private static String abbreviate(String s, int length) {
        return s.length() <= length ? s : s.substring(0, length - 3) + "...";
    }
}
