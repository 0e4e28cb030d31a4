package org.routelab.method;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;
import org.routelab.routing.RandomRouter;
import org.routelab.routing.Router;
import org.routelab.routing.RouterBank;
import org.routelab.routing.RouterSharing;
import org.routelab.routing.TaskRouter;

/**
 * The registry of adapter methods: each builds its adapter for one projection from a {@link
 * MethodConfig}, so the command line and the experiment API build any method by name.
 */
public enum Method {
    /** LoRA, the papers' single-adapter baseline, at scale {@code alpha / r} ({@link LoraOptions}). */
    LORA("lora", false) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            LoraConfig lc = new LoraConfig(c.rank(), c.lora().alpha(c.rank()), 0f, c.modules(), c.layers());
            return new Lora(m, base.inFeatures(), base.outFeatures(), lc, t);
        }

        @Override
        public String scale(MethodConfig c) {
            return "alpha/r = " + LoraOptions.compact(c.lora().scale(c.rank()));
        }
    },
    /** Poly: S LoRA skills mixed per task. */
    POLY("poly", true) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new Poly(m, base.inFeatures(), base.outFeatures(), c.rank(), c.skills(), a.router(), a.owner(), t);
        }

        @Override
        int[] routerShape(MethodConfig c) {
            return new int[] {1, c.skills()};
        }
    },
    /** MHR: Poly with q heads. */
    MHR("mhr", true) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new Mhr(m, base.inFeatures(), base.outFeatures(), c.rank(), c.skills(), c.heads(), a.router(),
                    a.owner(), t);
        }

        @Override
        int[] routerShape(MethodConfig c) {
            return new int[] {c.heads(), c.skills()};
        }
    },
    /** TLoRA: LoRA factors as entangled tensors. */
    TLORA("tlora", false) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new TLora(m, base.inFeatures(), base.outFeatures(), c.rank(), c.tensorRank(), c.order(), t);
        }
    },
    /** TensorPoly-I: routing over tensor ranks. */
    TENSORPOLY_I("tensorpoly-1", true) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new TensorPolyI(m, base.inFeatures(), base.outFeatures(), c.rank(), c.tensorRank(), c.order(),
                    a.router(), a.owner(), t);
        }

        @Override
        int[] routerShape(MethodConfig c) {
            return new int[] {1, c.tensorRank()};
        }
    },
    /** TensorPoly-II: routing over tensor ranks and orders. */
    TENSORPOLY_II("tensorpoly-2", true) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new TensorPolyII(m, base.inFeatures(), base.outFeatures(), c.rank(), c.tensorRank(), c.order(),
                    a.router(), a.owner(), t);
        }

        @Override
        int[] routerShape(MethodConfig c) {
            return new int[] {c.order(), c.tensorRank()};
        }
    },
    /** MoE-LoRA (MoLoRA): E LoRA experts mixed per token by a softmax router over the input; no task ids. */
    MOE_LORA("moe-lora", false) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new MoeLora(m, base.inFeatures(), base.outFeatures(), c.rank(), c.moeLora(), t);
        }
    },
    /** OrchMoE: LoRA skills allocated to abstract tasks inferred from the input; no task ids. */
    ORCHMOE("orchmoe", false) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new OrchMoe(m, base.inFeatures(), base.outFeatures(), c.rank(), c.skills(), c.abstractTasks(),
                    c.orchMoe(), c.router(), t);
        }
    },
    /** T-REX: rank-one experts mixed per token, guided by a semantic prior per example; no task ids. */
    TREX("trex", false) {
        @Override
        Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t) {
            return new TRex(m, base.inFeatures(), base.outFeatures(), c.trex(), t);
        }
    };

    private final String id;
    private final boolean routed;

    Method(String id, boolean routed) {
        this.id = id;
        this.routed = routed;
    }

    /** Returns the name used on the command line, e.g. {@code tensorpoly-1}. */
    public String id() {
        return id;
    }

    /**
     * Returns whether the method routes by task id (task routers, shared as {@link
     * MethodConfig#granularity} says); {@code moe-lora}, {@code orchmoe} and {@code trex} route by their
     * input and need no task ids.
     */
    public boolean routed() {
        return routed;
    }

    abstract Adapter adapter(NDManager m, Linear base, MethodConfig c, RouterSharing.Assignment a, DataType t);

    /**
     * Returns the factor the method's update is multiplied by, as text for tables: {@code alpha/r} for
     * LoRA, {@code 1/r} for Poly, MHR, TLoRA and TensorPoly (as the reference divides by the rank), 1 for
     * MoE-LoRA's and OrchMoE's experts, T-REX's learned {@code beta}.
     *
     * @param c the method's options
     * @return e.g. {@code 1/r = 0.0625}
     */
    public String scale(MethodConfig c) {
        return switch (this) {
            case MOE_LORA, ORCHMOE -> "1";
            case TREX -> "beta (learned, 0.5 at start)";
            default -> "1/r = " + LoraOptions.compact(1f / c.rank());
        };
    }

    /** Returns {@code {groups, experts}} of the method's routers. */
    int[] routerShape(MethodConfig c) {
        throw new UnsupportedOperationException(id + " has no router");
    }

    /**
     * Injects a method's adapters into a model: freezes the model, adds one adapter per selected
     * projection (routers shared as {@link MethodConfig#granularity} says) and makes the adapters trainable.
     *
     * @param model the model to modify in place
     * @param requested the method and its options (without targets: the model's default targets)
     * @param dataType the adapters' data type
     * @return the adapted projections' paths
     */
    public static List<String> inject(Module model, MethodConfig requested, DataType dataType) {
        MethodConfig config = requested.withTargetsFor(model);
        Method method = config.method();
        RouterSharing sharing = new RouterSharing(config.granularity());
        RouterBank bank = new RouterBank();
        return AdapterInjector.inject(model, config.modules(), config.layers(), (path, base) -> {
            NDManager m = base.weight().array().getManager();
            RouterSharing.Assignment a = null;
            if (method.routed) {
                int[] shape = method.routerShape(config);
                a = sharing.assign(path, () -> router(bank, m, config, shape[0], shape[1], dataType));
            }
            return method.adapter(m, base, config, a, dataType);
        });
    }

    private static Router router(RouterBank bank, NDManager m, MethodConfig c, int groups, int experts,
            DataType dataType) {
        return c.randomRouting()
                ? new RandomRouter(groups, experts, dataType)
                : new TaskRouter(bank, m, c.tasks(), groups, experts, c.router(), dataType);
    }

    /**
     * Finds a method by its command-line name (case-insensitive).
     *
     * @param name e.g. {@code mhr} or {@code tensorpoly-2}
     * @return the method
     * @throws IllegalArgumentException naming the value and the known names
     */
    public static Method parse(String name) {
        for (Method m : values()) {
            if (m.id.equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "'; known methods: "
                + Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", ")));
    }
}
