package org.routelab.method;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The registry of methods: those listed in {@code META-INF/services/org.routelab.method.Method} (the
 * built-in ones, and any on the class path) and those {@link #register registered} at run time. Names
 * and aliases are case-insensitive.
 */
public final class Methods {
    /** Methods by lower-case name and alias, in registration order (built-ins first). */
    private static final Map<String, Method<?>> BY_NAME = new LinkedHashMap<>();
    private static final List<Method<?>> ALL = new ArrayList<>();
    /** How option names become run-config keys (as the config binder writes them). */
    private static final PropertyNamingStrategies.SnakeCaseStrategy SNAKE_CASE =
            new PropertyNamingStrategies.SnakeCaseStrategy();

    static {
        for (Method<?> m : ServiceLoader.load(Method.class, Methods.class.getClassLoader())) {
            register(m);
        }
    }

    private Methods() {}

    /**
     * Adds a method; its name and aliases become known to run configs, {@code params} and experiments.
     * Registering the same instance again does nothing.
     *
     * @param method the method
     * @throws IllegalArgumentException if another method already has one of its names, or an option is
     *     named like a key every method shares
     */
    public static synchronized void register(Method<?> method) {
        if (ALL.contains(method)) {
            return;
        }
        List<String> names = new ArrayList<>();
        names.add(method.name());
        names.addAll(method.aliases());
        for (String n : names) {
            Method<?> known = BY_NAME.get(key(n));
            if (known != null) {
                throw new IllegalArgumentException("method name '" + n + "' is taken by " + known.name());
            }
        }
        for (RecordComponent c : method.optionsType().getRecordComponents()) {
            String key = SNAKE_CASE.translate(c.getName());
            if (MethodConfig.sharedKeys().contains(key)) {
                throw new IllegalArgumentException(method.name() + "'s option '" + key + "' is a key every method"
                        + " shares in a run config; rename it");
            }
        }
        names.forEach(n -> BY_NAME.put(key(n), method));
        ALL.add(method);
    }

    /** Returns every registered method, built-ins first. */
    public static synchronized List<Method<?>> all() {
        return List.copyOf(ALL);
    }

    /**
     * Finds a method by name or alias (case-insensitive).
     *
     * @param name e.g. {@code mhr}, {@code tensorpoly-2} or {@code TensorPoly-II}
     * @return the method
     * @throws IllegalArgumentException naming the value and the known names
     */
    public static synchronized Method<?> parse(String name) {
        Method<?> m = BY_NAME.get(key(name));
        if (m == null) {
            throw new IllegalArgumentException("unknown method '" + name + "'; known methods: "
                    + String.join(", ", ALL.stream().map(Method::name).toList()));
        }
        return m;
    }

    private static String key(String name) {
        return name.trim().toLowerCase(Locale.ROOT);
    }
}
