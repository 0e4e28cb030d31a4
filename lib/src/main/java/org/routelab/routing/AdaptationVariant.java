package org.routelab.routing;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.routelab.adapter.AdaptedLinear;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.AdapterInjector;
import org.routelab.nn.Module;
import org.routelab.nn.RandomStream;

/**
 * How a multi-task-trained routed model is adapted to new tasks (few-shot), as in the MHR and
 * TensorPoly papers. Each variant rewires the model in place and sets what trains; the base model
 * stays frozen.
 */
public enum AdaptationVariant {
    /**
     * Fresh routing logits for the new tasks; experts and logits train. Routers that read the input
     * ({@link InputRouter}, task-free methods) keep their multi-task values and train with the experts.
     */
    FULL("full"),
    /**
     * -z (route-only): fresh routing logits for the new tasks train; experts stay frozen. Task-free
     * methods train their routers ({@link InputRouter}s and allocations) from their multi-task values.
     */
    ROUTE_ONLY("z"),
    /**
     * -mu (average): routers are discarded and each adapter is replaced by the uniform average of its
     * experts ({@link RoutedAdapter#averaged}), which trains. Also the second stage of Random-mu. Not
     * defined for task-free methods, whose experts are mixed per token.
     */
    AVERAGE("mu");

    private final String id;

    AdaptationVariant(String id) {
        this.id = id;
    }

    /** Returns the short name: {@code full}, {@code z} or {@code mu}. */
    public String id() {
        return id;
    }

    /**
     * Applies the variant.
     *
     * @param model the model with injected adapters
     * @param newTasks how many new tasks the fresh routers know (ignored by {@link #AVERAGE})
     * @param random the stream fresh routers draw their initial logits from
     * @throws IllegalStateException if the model has no routed adapter where the variant needs one
     */
    public void apply(Module model, int newTasks, RandomStream random) {
        Map<String, AdaptedLinear> layers = AdapterInjector.adaptedLayers(model);
        if (layers.isEmpty()) {
            throw new IllegalStateException("the model has no adapters; inject a method first");
        }
        boolean routed = layers.values().stream().anyMatch(l -> l.adapter() instanceof RoutedAdapter);
        boolean inputRouted = layers.values().stream()
                .anyMatch(l -> !(l.adapter() instanceof RoutedAdapter) && !routers(l.adapter()).isEmpty());
        if (this == ROUTE_ONLY && !routed && !inputRouted) {
            throw new IllegalStateException("variant -z trains routers only, but the model's adapters have none");
        }
        if (this == AVERAGE && inputRouted) {
            throw new IllegalStateException("variant -mu averages experts routed by task; the model's adapters"
                    + " route by their input: adapt them with full or -z");
        }
        if (this == AVERAGE) {
            average(model, layers);
        } else if (routed) {
            freshRouters(layers, newTasks, random);
        }
        model.setTrainable(false);
        for (AdaptedLinear l : AdapterInjector.adaptedLayers(model).values()) {
            Adapter a = l.adapter();
            if (this != ROUTE_ONLY) {
                a.setTrainable(true);
            } else if (a instanceof RoutedAdapter ra) {
                ra.router().setTrainable(true);
            } else {
                routers(a).forEach(r -> r.setTrainable(true));
            }
        }
    }

    /** Returns the routers inside an adapter that is not a {@link RoutedAdapter}: input routers and allocations. */
    private static List<Module> routers(Adapter a) {
        return a.namedModules().values().stream()
                .filter(m -> m instanceof Router || m instanceof InputRouter)
                .toList();
    }

    private static void freshRouters(Map<String, AdaptedLinear> layers, int newTasks, RandomStream random) {
        Map<Router, Router> replacements = new IdentityHashMap<>();
        RouterBank bank = new RouterBank();
        for (AdaptedLinear l : layers.values()) {
            if (l.adapter() instanceof RoutedAdapter ra) {
                Router old = ra.router();
                if (!(old instanceof TaskRouter)) {
                    throw new IllegalStateException("the adapters' routers (" + old.getClass().getSimpleName()
                            + ") learn no task allocation; adapt them with -mu");
                }
                Router fresh = replacements.computeIfAbsent(old, o -> new TaskRouter(bank, ra.manager(), newTasks,
                        o.groups(), o.experts(), ((TaskRouter) o).options(), random, o.dataType()));
                ra.useRouter(fresh, ra.ownsRouter());
            }
        }
    }

    private static void average(Module model, Map<String, AdaptedLinear> layers) {
        Map<String, Module> modules = model.namedModules();
        Map<String, AdaptedLinear> routed = new LinkedHashMap<>();
        layers.forEach((path, l) -> {
            if (l.adapter() instanceof RoutedAdapter) {
                routed.put(path, l);
            }
        });
        routed.forEach((path, l) -> {
            if (l.isMerged()) {
                throw new IllegalStateException("unmerge " + path + " before averaging its experts");
            }
            int dot = path.lastIndexOf('.');
            Module parent = modules.get(dot < 0 ? "" : path.substring(0, dot));
            parent.replaceChild(path.substring(dot + 1),
                    new AdaptedLinear(l, ((RoutedAdapter) l.adapter()).averaged()));
        });
    }

    /**
     * Parses a variant name: {@code full}, {@code z} or {@code mu} (a leading '-' is accepted).
     *
     * @param name the name
     * @return the variant
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    @JsonCreator
    public static AdaptationVariant parse(String name) {
        String n = name.startsWith("-") ? name.substring(1) : name;
        for (AdaptationVariant v : values()) {
            if (v.id.equalsIgnoreCase(n)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown adaptation variant '" + name + "'; expected one of "
                + Arrays.stream(values()).map(AdaptationVariant::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
