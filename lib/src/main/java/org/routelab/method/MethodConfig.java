package org.routelab.method;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.FactorBatches;
import org.routelab.backbone.AdapterTargets;
import org.routelab.backbone.LanguageModel;
import org.routelab.nn.Module;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AllocationBank;
import org.routelab.routing.InputRouterBank;
import org.routelab.routing.Granularity;
import org.routelab.routing.RandomRouter;
import org.routelab.routing.Router;
import org.routelab.routing.RouterBank;
import org.routelab.routing.RouterOptions;
import org.routelab.routing.RouterSharing;
import org.routelab.routing.TaskRouter;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;
import org.routelab.util.ConfigValues;

/**
 * A method with its options and what every method shares: how many training tasks the routers know,
 * how task routers are shared and sample, Random-mu's random routing, and the adapted projections.
 * Start from {@link #defaults} (the method's paper settings) and change values with {@link #with} (a
 * method's own options, by key) or the typed {@code with...} methods, e.g. {@code
 * MethodConfig.defaults("mhr").with("heads", 4).withGranularity(Granularity.BLOCK)}.
 *
 * <p>As JSON (the {@code method} object of a run config) it is one flat object: {@code name}, the shared
 * keys {@code granularity}, {@code random_routing}, {@code modules}, {@code layers} and {@code router},
 * and the method's option keys, e.g. {@code {"name": "mhr", "skills": 8, "heads": 64}}. The number of
 * training tasks is not part of it: experiments take it from their task suite.
 *
 * @param method the method
 * @param options the method's options, of its {@link Method#optionsType}
 * @param tasks the number of training tasks {@code T} the routers know
 * @param granularity which projections share a task router
 * @param router how task routers sample while training
 * @param randomRouting Random-mu multi-task training: random binary allocations instead of learned routers
 * @param modules regex searched in the path of the module holding a projection, or null (with
 *     {@code layers}) for the backbone's {@link LanguageModel#defaultAdapterTargets default targets}
 * @param layers regex matched against a projection's own name, or null with {@code modules}
 */
public record MethodConfig(Method<?> method, Record options, int tasks, Granularity granularity,
        RouterOptions router, boolean randomRouting, String modules, String layers) {
    /** The method of a config that names none: the papers' single-adapter baseline. */
    public static final String DEFAULT_METHOD = "lora";

    /** The keys every method shares in JSON, besides the method's options. */
    private static final Set<String> SHARED_KEYS =
            Set.of("name", "granularity", "random_routing", "modules", "layers", "router");

    /** Validates the values, naming the first bad one. */
    public MethodConfig {
        if (method == null || options == null || granularity == null || router == null) {
            throw new IllegalArgumentException("method, options, granularity and router options must be given");
        }
        ConfigValues.regex("modules", modules);
        ConfigValues.regex("layers", layers);
        if ((modules == null) != (layers == null)) {
            throw new IllegalArgumentException("targets must be given as both regexes (modules and layers) or"
                    + " neither (the backbone's defaults)");
        }
        if (!method.optionsType().isInstance(options)) {
            throw new IllegalArgumentException(method.name() + " takes " + method.optionsType().getSimpleName()
                    + ", not " + options.getClass().getSimpleName());
        }
        if (tasks < 1) {
            throw new IllegalArgumentException("tasks must be positive, got " + tasks);
        }
        if (randomRouting && !typed(method).supportsRandomRouting(options)) {
            throw new IllegalArgumentException(method.name() + " has no task routers, so it cannot train with"
                    + " random routing (Random-mu)");
        }
    }

    /**
     * Returns a method's paper settings on every attention and feed-forward projection (the backbone's
     * default targets, resolved when the method is injected): one task, one router per projection,
     * Gumbel-sigmoid routing.
     *
     * @param method the method
     * @return the configuration
     */
    public static MethodConfig defaults(Method<?> method) {
        return new MethodConfig(method, method.defaults(), 1, Granularity.LAYER, RouterOptions.DEFAULT, false,
                null, null);
    }

    /**
     * Returns the paper settings of a method found by name or alias ({@link Methods#parse}).
     *
     * @param name e.g. {@code poly} or {@code tensorpoly-2}
     * @return the configuration
     */
    public static MethodConfig defaults(String name) {
        return defaults(Methods.parse(name));
    }

    /**
     * Returns a copy with one value changed by its JSON key: a method option (e.g. {@code heads},
     * {@code tensor_rank}, {@code pooling}) or a shared key ({@code granularity}, {@code router}, ...).
     * The result is validated as a run config's would be.
     *
     * @param key the key, in snake case
     * @param value the value (a number, boolean, string, enum or record)
     * @return the configuration
     * @throws ConfigException naming the key if the method has no such option or the value is refused
     */
    public MethodConfig with(String key, Object value) {
        if (key.equals("name")) {
            throw new ConfigException(key, "the method cannot change; start from MethodConfig.defaults");
        }
        return fromJson(ConfigBinding.with(toJson(), key, value), "").withTasks(tasks);
    }

    /**
     * Returns the options, typed.
     *
     * @param type the method's options record
     * @param <O> its type
     * @return the options
     * @throws IllegalStateException if the method's options are of another type
     */
    public <O extends Record> O options(Class<O> type) {
        if (!type.isInstance(options)) {
            throw new IllegalStateException(method.name() + "'s options are " + options.getClass().getSimpleName()
                    + ", not " + type.getSimpleName());
        }
        return type.cast(options);
    }

    /** Returns a copy with other options of the same method. */
    public MethodConfig withOptions(Record o) {
        return new MethodConfig(method, o, tasks, granularity, router, randomRouting, modules, layers);
    }

    /** Returns a copy whose routers know {@code t} tasks. */
    public MethodConfig withTasks(int t) {
        return new MethodConfig(method, options, t, granularity, router, randomRouting, modules, layers);
    }

    /** Returns a copy with another router sharing. */
    public MethodConfig withGranularity(Granularity g) {
        return new MethodConfig(method, options, tasks, g, router, randomRouting, modules, layers);
    }

    /** Returns a copy with other router sampling options. */
    public MethodConfig withRouter(RouterOptions o) {
        return new MethodConfig(method, options, tasks, granularity, o, randomRouting, modules, layers);
    }

    /** Returns a copy that trains with random allocations (Random-mu) or learned routers. */
    public MethodConfig withRandomRouting(boolean random) {
        return new MethodConfig(method, options, tasks, granularity, router, random, modules, layers);
    }

    /** Returns a copy adapting other projections (regexes as in {@link AdapterInjector}). */
    public MethodConfig withTargets(String moduleRegex, String layerRegex) {
        return new MethodConfig(method, options, tasks, granularity, router, randomRouting, moduleRegex, layerRegex);
    }

    /**
     * Returns this configuration with its targets made concrete for a model: unchanged if they were
     * given, otherwise the model's {@link LanguageModel#defaultAdapterTargets default targets}.
     *
     * @param model the model the method is injected into
     * @return a configuration whose {@code modules} and {@code layers} are set
     * @throws IllegalArgumentException if targets are needed and the model is not a {@link LanguageModel}
     */
    public MethodConfig withTargetsFor(Module model) {
        if (modules != null) {
            return this;
        }
        if (!(model instanceof LanguageModel lm)) {
            throw new IllegalArgumentException("a " + model.getClass().getSimpleName() + " has no default adapter"
                    + " targets; set them with withTargets(modules, layers)");
        }
        AdapterTargets t = lm.defaultAdapterTargets();
        return withTargets(t.modules(), t.layers());
    }

    /** Returns what the method's routing reads from a forward pass. */
    public RoutingNeeds routing() {
        return typed(method).routing(options);
    }

    /** Returns the factor the method multiplies its update by, as text ({@link Method#updateScale}). */
    public String updateScale() {
        return typed(method).updateScale(options);
    }

    /** Returns the options that matter for tables, e.g. {@code r=1;S=8;q=64;T=313;granularity=layer}. */
    public String describe() {
        StringBuilder b = new StringBuilder(typed(method).describe(options, tasks));
        if (routing().taskIds()) {
            b.append(";T=").append(tasks).append(";granularity=").append(granularity);
            if (randomRouting) {
                b.append(";random-routing");
            }
        }
        return b.toString();
    }

    /**
     * Injects the method's adapters into a model: freezes the model, adds one adapter per selected
     * projection (task routers shared as {@link #granularity} says) and makes the adapters trainable.
     *
     * @param model the model to modify in place
     * @param random the stream the adapters' initial values are drawn from
     * @param dataType the adapters' data type
     * @return the adapted projections' paths
     */
    public List<String> inject(Module model, RandomStream random, DataType dataType) {
        return inject(model, null, random, dataType);
    }

    /**
     * Injects the method's adapters with their parameters in a given manager, e.g. a scope closed when
     * the adapters are {@link AdapterInjector#remove removed} again.
     *
     * @param model the model to modify in place
     * @param manager owns the adapters' parameters, or null for the manager of each projection's weight
     * @param random the stream the adapters' initial values are drawn from
     * @param dataType the adapters' data type
     * @return the adapted projections' paths
     */
    public List<String> inject(Module model, NDManager manager, RandomStream random, DataType dataType) {
        MethodConfig c = withTargetsFor(model);
        RoutingNeeds.TaskRouterShape shape = routing().taskRouter();
        RouterSharing sharing = new RouterSharing(granularity);
        RouterBank bank = new RouterBank();
        AllocationBank allocations = new AllocationBank();
        InputRouterBank inputRouters = new InputRouterBank();
        FactorBatches factorBatches = new FactorBatches();
        return AdapterInjector.inject(model, c.modules, c.layers, (path, base) -> {
            NDManager m = manager != null ? manager : base.weight().array().getManager();
            RouterSharing.Assignment a = shape == null ? new RouterSharing.Assignment(null, false)
                    : sharing.assign(path, () -> taskRouter(bank, m, shape, random, dataType));
            AdapterSite site = new AdapterSite(m, base.inFeatures(), base.outFeatures(), a.router(), a.owner(), tasks,
                    router, allocations, inputRouters, random, dataType, factorBatches);
            return typed(method).adapter(site, options);
        });
    }

    private Router taskRouter(RouterBank bank, NDManager m, RoutingNeeds.TaskRouterShape shape, RandomStream random,
            DataType dataType) {
        return randomRouting
                ? new RandomRouter(shape.groups(), shape.experts(), dataType)
                : new TaskRouter(bank, m, tasks, shape.groups(), shape.experts(), router, random, dataType);
    }

    /** Returns the configuration as its JSON object (without the number of tasks). */
    @JsonValue
    public ObjectNode toJson() {
        ObjectNode out = ConfigBinding.MAPPER.createObjectNode();
        out.put("name", method.name());
        out.set("granularity", ConfigBinding.MAPPER.valueToTree(granularity));
        out.put("random_routing", randomRouting);
        out.put("modules", modules);
        out.put("layers", layers);
        out.set("router", ConfigBinding.toTree(router));
        out.setAll(ConfigBinding.toTree(options));
        return out;
    }

    /**
     * Binds a JSON object (Jackson's entry point; keys as in {@link #toJson}).
     *
     * @param json the object
     * @return the configuration, with one training task
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MethodConfig fromJson(JsonNode json) {
        return fromJson(json, "");
    }

    /**
     * Binds a JSON object onto the defaults of the method it names ({@link #DEFAULT_METHOD} if it names none):
     * omitted keys keep the method's defaults, unknown keys are refused.
     *
     * @param json the object, or null for LoRA's defaults
     * @param path its dotted path in its file, for messages (e.g. {@code method})
     * @return the configuration, with one training task
     * @throws ConfigException naming the key of the first problem
     */
    public static MethodConfig fromJson(JsonNode json, String path) {
        if (json != null && !json.isNull() && !json.isObject()) {
            throw new ConfigException(path, "must be an object, got " + json);
        }
        JsonNode name = json == null ? null : json.get("name");
        Method<?> method;
        if (name == null || name.isNull()) {
            method = Methods.parse(DEFAULT_METHOD);
        } else if (!name.isTextual()) {
            throw new ConfigException(ConfigBinding.join(path, "name"), "must be a string, got " + name);
        } else {
            try {
                method = Methods.parse(name.asText());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ConfigBinding.join(path, "name"), e.getMessage());
            }
        }
        ObjectNode merged = ConfigBinding.merge(defaults(method).toJson(), json, path);
        ObjectNode optionsTree = merged.deepCopy();
        optionsTree.remove(SHARED_KEYS);
        Record o = ConfigBinding.convert(optionsTree, method.optionsType(), path);
        RouterOptions r = ConfigBinding.convert(merged.get("router"), RouterOptions.class,
                ConfigBinding.join(path, "router"));
        Granularity g = ConfigBinding.convert(merged.get("granularity"), Granularity.class,
                ConfigBinding.join(path, "granularity"));
        boolean random = ConfigBinding.convert(merged.get("random_routing"), Boolean.class,
                ConfigBinding.join(path, "random_routing"));
        String modules = text(merged, "modules", path);
        String layers = text(merged, "layers", path);
        try {
            return new MethodConfig(method, o, 1, g, r, random, modules, layers);
        } catch (ConfigException e) {
            throw new ConfigException(ConfigBinding.join(path, e.path()), e.problem());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path, e.getMessage());
        }
    }

    private static String text(ObjectNode tree, String key, String path) {
        JsonNode v = tree.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ConfigException(ConfigBinding.join(path, key), "must be a string, got " + v);
        }
        return v.asText();
    }

    /** Returns the option keys a method's options record must not use (they are shared by all methods). */
    static Set<String> sharedKeys() {
        return SHARED_KEYS;
    }

    /**
     * Returns the number of elements of the largest tensor of this method's adapter on one projection
     * ({@link Method#largestTensor}).
     *
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @return the element count
     */
    public double largestTensor(int inFeatures, int outFeatures) {
        return typed(method).largestTensor(options, inFeatures, outFeatures);
    }

    @SuppressWarnings("unchecked")
    private static Method<Record> typed(Method<?> m) {
        return (Method<Record>) m;
    }
}
