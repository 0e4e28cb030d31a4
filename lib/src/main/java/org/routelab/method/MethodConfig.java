package org.routelab.method;

import org.routelab.adapter.AdapterTargets;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.LanguageModel;
import org.routelab.nn.Module;
import org.routelab.routing.Granularity;
import org.routelab.routing.RouterOptions;

/**
 * Everything needed to build a method's adapters: sizes, routing and targets. Start from {@link
 * #defaults} (the papers' settings) and change single values with the {@code with...} methods, e.g.
 * {@code MethodConfig.defaults(Method.MHR).withGranularity(Granularity.BLOCK)}.
 *
 * @param method the method
 * @param rank the LoRA rank {@code r}
 * @param skills Poly/MHR skills {@code S}
 * @param heads MHR heads {@code q}
 * @param tensorRank TLoRA/TensorPoly tensor rank {@code R}
 * @param order TLoRA/TensorPoly tensor order {@code N}
 * @param tasks the number of training tasks {@code T} the routers know
 * @param granularity which projections share a router
 * @param router how learned routers sample while training
 * @param randomRouting Random-mu multi-task training: random binary allocations instead of learned routers
 * @param modules regex searched in the path of the module holding a projection, or null (with
 *     {@code layers}) for the backbone's {@link LanguageModel#defaultAdapterTargets default targets}
 * @param layers regex matched against a projection's own name, or null with {@code modules}
 * @param moeLora MoE-LoRA's experts, top-k and load balancing
 * @param orchMoe OrchMoE's abstract tasks, pooling and task normalisation (OrchMoE's skills are
 *     {@code skills}, its rank {@code rank}, its allocation samples as {@code router} says)
 * @param trex T-REX's rank-one experts, prior scale and ablations
 * @param lora LoRA's scale ({@code alpha})
 */
public record MethodConfig(Method method, int rank, int skills, int heads, int tensorRank, int order, int tasks,
        Granularity granularity, RouterOptions router, boolean randomRouting, String modules, String layers,
        MoeLoraOptions moeLora, OrchMoeOptions orchMoe, TRexOptions trex, LoraOptions lora) {

    /** Validates the values, naming the first bad one. */
    public MethodConfig {
        if (method == null || granularity == null || router == null || (modules == null) != (layers == null)) {
            throw new IllegalArgumentException("method, granularity and router options must be given, and targets"
                    + " as both regexes or neither (the backbone's defaults)");
        }
        if (moeLora == null || orchMoe == null || trex == null || lora == null) {
            throw new IllegalArgumentException("lora, moe-lora, orchmoe and trex options must be given");
        }
        positive("rank", rank);
        positive("skills", skills);
        positive("heads", heads);
        positive("tensor rank", tensorRank);
        positive("order", order);
        positive("tasks", tasks);
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    /**
     * Returns the papers' settings for a method on every attention and feed-forward projection (the
     * backbone's default targets, resolved when the method is injected):
     * LoRA r = 1 with the reference's alpha = 1 (scale 1/r); Poly and MHR r = 1, S = 8, MHR q = 64
     * (MHR paper, T5-XL); TLoRA r = 16, R = 1, N = 2;
     * TensorPoly-I/II r = 16, R = 8, N = 2 (TensorPoly paper, Table 3); one task, one router per
     * projection, Gumbel-sigmoid routing.
     *
     * @param method the method
     * @return the configuration
     */
    public static MethodConfig defaults(Method method) {
        boolean tensor = method == Method.TLORA || method == Method.TENSORPOLY_I || method == Method.TENSORPOLY_II;
        return new MethodConfig(method, tensor ? 16 : 1, 8, 64, method == Method.TLORA ? 1 : 8, 2, 1,
                Granularity.LAYER, RouterOptions.DEFAULT, false, null, null, MoeLoraOptions.DEFAULT,
                OrchMoeOptions.DEFAULT, TRexOptions.DEFAULT, LoraOptions.REFERENCE);
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
        if (!(model instanceof LanguageModel)) {
            throw new IllegalArgumentException("a " + model.getClass().getSimpleName() + " has no default adapter"
                    + " targets; set them with withTargets(modules, layers)");
        }
        AdapterTargets t = ((LanguageModel) model).defaultAdapterTargets();
        return withTargets(t.modules(), t.layers());
    }

    /** Returns a copy with LoRA rank {@code r}. */
    public MethodConfig withRank(int r) {
        return new MethodConfig(method, r, skills, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with {@code s} skills. */
    public MethodConfig withSkills(int s) {
        return new MethodConfig(method, rank, s, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with {@code q} MHR heads. */
    public MethodConfig withHeads(int q) {
        return new MethodConfig(method, rank, skills, q, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with tensor rank {@code r}. */
    public MethodConfig withTensorRank(int r) {
        return new MethodConfig(method, rank, skills, heads, r, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with tensor order {@code n}. */
    public MethodConfig withOrder(int n) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, n, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy whose routers know {@code t} tasks. */
    public MethodConfig withTasks(int t) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, t, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with another router sharing. */
    public MethodConfig withGranularity(Granularity g) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, g, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with other router sampling options. */
    public MethodConfig withRouter(RouterOptions options) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, options,
                randomRouting, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy that trains with random allocations (Random-mu) or learned routers. */
    public MethodConfig withRandomRouting(boolean random) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, router,
                random, modules, layers, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy adapting other projections (same regexes as {@link LoraConfig}). */
    public MethodConfig withTargets(String moduleRegex, String layerRegex) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, moduleRegex, layerRegex, moeLora, orchMoe, trex, lora);
    }

    /** Returns a copy with other MoE-LoRA options, e.g. {@code c.withMoeLora(c.moeLora().withTopK(2))}. */
    public MethodConfig withMoeLora(MoeLoraOptions options) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, options, orchMoe, trex, lora);
    }

    /** Returns a copy with other OrchMoE options, e.g. {@code c.withOrchMoe(c.orchMoe().withAbstractTasks(4))}. */
    public MethodConfig withOrchMoe(OrchMoeOptions options) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, options, trex, lora);
    }

    /** Returns a copy with other T-REX options, e.g. {@code c.withTRex(c.trex().withIntuition(false))}. */
    public MethodConfig withTRex(TRexOptions options) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, options, lora);
    }

    /** Returns a copy with other LoRA options, e.g. {@code c.withLora(LoraOptions.UNIT_SCALE)}. */
    public MethodConfig withLora(LoraOptions options) {
        return new MethodConfig(method, rank, skills, heads, tensorRank, order, tasks, granularity, router,
                randomRouting, modules, layers, moeLora, orchMoe, trex, options);
    }

    /** Returns OrchMoE's number of abstract tasks: its option, or the number of training tasks when that is 0. */
    public int abstractTasks() {
        return orchMoe.abstractTasks() == 0 ? tasks : orchMoe.abstractTasks();
    }

    /** Returns the options that matter for this method, e.g. {@code r=1;S=8;q=64;T=313;granularity=layer}. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (method != Method.TREX) {
            b.append("r=").append(rank);
        }
        switch (method) {
            case LORA -> b.append(";").append(lora.describe());
            case POLY -> b.append(";S=").append(skills);
            case MHR -> b.append(";S=").append(skills).append(";q=").append(heads);
            case TLORA, TENSORPOLY_I, TENSORPOLY_II -> b.append(";R=").append(tensorRank).append(";N=").append(order);
            case MOE_LORA -> b.append(";E=").append(moeLora.experts())
                    .append(";top-k=").append(moeLora.topK() == 0 ? "all" : Integer.toString(moeLora.topK()))
                    .append(";load-balancing=").append(moeLora.loadBalancing());
            case ORCHMOE -> b.append(";S=").append(skills).append(";abstract-tasks=").append(abstractTasks())
                    .append(";pooling=").append(orchMoe.pooling()).append(";task-norm=").append(orchMoe.normalisation());
            case TREX -> b.append("I=").append(trex.down()).append(";J=").append(trex.up())
                    .append(";c=").append(trex.priorScale()).append(trex.intuition() ? "" : ";no-intuition")
                    .append(trex.tokenRouter() ? "" : ";no-router");
            default -> { }
        }
        if (method.routed()) {
            b.append(";T=").append(tasks).append(";granularity=").append(granularity);
            if (randomRouting) {
                b.append(";random-routing");
            }
        }
        return b.toString();
    }
}
