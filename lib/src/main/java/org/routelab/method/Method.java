package org.routelab.method;

import java.util.List;
import java.util.Set;
import org.routelab.adapter.Adapter;
import org.routelab.routing.AdaptationVariant;

/**
 * Everything there is to know about one adapter method, declared in the method's own file and read by
 * the rest of the library: the {@link Methods registry}, run configs, {@code params}, {@code bench
 * routing}, {@code compare} and the experiment pipeline. Nothing outside a method's file branches on its
 * name. A method is found by {@link java.util.ServiceLoader} (its class is listed in {@code
 * META-INF/services/org.routelab.method.Method}) or added at run time with {@link Methods#register}.
 *
 * @param <O> the method's options: a record whose constructor validates its values (naming the bad one)
 *     and whose components are the keys of the {@code method} object of a run config (in snake case)
 */
public interface Method<O extends Record> {

    /** Returns the name people type, e.g. {@code tensorpoly-1}; unique among registered methods. */
    String name();

    /** Returns other names accepted for the method (compared case-insensitively), e.g. {@code tensorpoly-i}. */
    default List<String> aliases() {
        return List.of();
    }

    /** Returns the options record's class (what a run config's {@code method} object binds to). */
    Class<O> optionsType();

    /** Returns the method's default options (the papers' settings). */
    O defaults();

    /**
     * Builds the adapter of one projection.
     *
     * @param site the projection, its task router (for methods that {@link RoutingNeeds#taskRouter route
     *     by task}) and the adapters' data type
     * @param options the method's options
     * @return the adapter
     */
    Adapter adapter(AdapterSite site, O options);

    /**
     * Returns what the method's routing reads from a forward pass: task ids (with the shape of its task
     * routers), only the layer input, or also a per-example prior.
     *
     * @param options the method's options
     * @return the needs
     */
    RoutingNeeds routing(O options);

    /** Returns the learning rates of the method's experts on the built-in default protocol. */
    LearningRates learningRates();

    /** Returns the few-shot adaptation variants the method supports. */
    Set<AdaptationVariant> variants();

    /**
     * Returns whether the method can train with random allocations (Random-mu's first stage): the
     * methods whose experts are mixed by task routers.
     *
     * @param options the method's options
     * @return whether {@code random_routing} is allowed
     */
    default boolean supportsRandomRouting(O options) {
        return routing(options).taskIds();
    }

    /**
     * Returns the number of elements of the largest tensor the adapter of one projection holds or
     * computes (its experts, or an intermediate product), so that sizes that cannot fit are refused
     * before a model is loaded. Exceeding {@code long} is allowed: the count is a double.
     *
     * @param options the method's options
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @return the element count
     */
    double largestTensor(O options, int inFeatures, int outFeatures);

    /**
     * Returns the options that matter for tables, e.g. {@code r=1;S=8;q=64}.
     *
     * @param options the method's options
     * @param trainingTasks the number of training tasks (some methods size a component by it)
     * @return a short description
     */
    String describe(O options, int trainingTasks);
}
