package org.routelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.routelab.adapter.AdapterTargets;
import org.routelab.analysis.ParameterAccount;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.routing.Granularity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code routelab params}: parameter accounting of methods on a backbone, counted from the built
 * model (structure only, no weights), printed as CSV.
 */
@Command(name = "params", mixinStandardHelpOptions = true,
        description = "Count expert, routing and adaptation parameters of methods on a backbone (CSV).")
final class ParamsCommand implements Callable<Integer> {
    /**
     * The MHR paper's "light" layout: k, v and the feed-forward's un-activated input projection only
     * (T5's wi_1, Llama's up_proj); the names of the two families do not collide, so one pair serves both.
     */
    private static final AdapterTargets LIGHT = new AdapterTargets(
            AdapterTargets.T5.modules() + "|" + AdapterTargets.LLAMA.modules(), "k|v|wi_1|k_proj|v_proj|up_proj");

    @Option(names = "--backbone", required = true,
            description = "Preset (${COMPLETION-CANDIDATES}), a config.json, or a folder holding one.",
            completionCandidates = Presets.class)
    private String backbone;

    @Option(names = "--method", required = true, split = ",",
            description = "Methods: lora, poly, mhr, tlora, tensorpoly-1, tensorpoly-2, moe-lora, orchmoe, trex"
                    + " (comma-separated).")
    private List<String> methods;

    @Option(names = "--rank", description = "LoRA rank r (default: the method's paper setting).")
    private Integer rank;

    @Option(names = "--skills", description = "Poly/MHR/OrchMoE skills S (default 8).")
    private Integer skills;

    @Option(names = "--heads", description = "MHR heads q (default 64).")
    private Integer heads;

    @Option(names = "--tensor-rank", description = "TLoRA/TensorPoly tensor rank R (default 1 for TLoRA, 8 otherwise).")
    private Integer tensorRank;

    @Option(names = "--order", description = "TLoRA/TensorPoly tensor order N (default 2).")
    private Integer order;

    @Option(names = "--experts", description = "MoE-LoRA experts E (default 8).")
    private Integer experts;

    @Option(names = "--abstract-tasks",
            description = "OrchMoE abstract tasks (default: as many as --tasks, the paper's setting).")
    private Integer abstractTasks;

    @Option(names = "--rank-one-experts", description = "T-REX down x up projections IxJ (default 4x8).")
    private String rankOneExperts;

    @Option(names = "--tasks", defaultValue = "313",
            description = "Training tasks T (default: ${DEFAULT-VALUE}, the T0 mixture's task-template pairs).")
    private int tasks;

    @Option(names = "--granularity", defaultValue = "layer",
            description = "Router sharing: layer, sublayer, block, stack or model (default: ${DEFAULT-VALUE}).")
    private String granularity;

    @Option(names = "--targets", defaultValue = "all",
            description = "Adapted projections: all (every attention and feed-forward projection), light (k, v and"
                    + " T5's wi_1 or Llama's up_proj) or <modules-regex>:<layers-regex> (default: ${DEFAULT-VALUE}).")
    private String targets;

    @Override
    public Integer call() {
        ConfigJson config = readBackbone(backbone);
        System.out.println(ParameterAccount.CSV_HEADER);
        for (String name : methods) {
            System.out.println(ParameterAccount.of(config, configure(Method.parse(name.trim()))).csvRow(backbone));
        }
        return 0;
    }

    private MethodConfig configure(Method method) {
        MethodConfig c = MethodConfig.defaults(method).withTasks(tasks).withGranularity(Granularity.parse(granularity));
        if (rank != null) {
            c = c.withRank(rank);
        }
        if (skills != null) {
            c = c.withSkills(skills);
        }
        if (heads != null) {
            c = c.withHeads(heads);
        }
        if (tensorRank != null) {
            c = c.withTensorRank(tensorRank);
        }
        if (order != null) {
            c = c.withOrder(order);
        }
        if (experts != null) {
            c = c.withMoeLora(c.moeLora().withExperts(experts));
        }
        if (abstractTasks != null) {
            c = c.withOrchMoe(c.orchMoe().withAbstractTasks(abstractTasks));
        }
        if (rankOneExperts != null) {
            String[] ij = rankOneExperts.split("x", -1);
            if (ij.length != 2 || !ij[0].matches("\\d+") || !ij[1].matches("\\d+")) {
                throw new IllegalArgumentException("--rank-one-experts must be IxJ, e.g. 4x8, not '" + rankOneExperts + "'");
            }
            c = c.withTRex(c.trex().withExperts(Integer.parseInt(ij[0]), Integer.parseInt(ij[1])));
        }
        if (targets.equals("light")) {
            return c.withTargets(LIGHT.modules(), LIGHT.layers());
        }
        if (!targets.equals("all")) {
            int colon = targets.indexOf(':');
            if (colon <= 0 || colon == targets.length() - 1) {
                throw new IllegalArgumentException("--targets must be all, light or <modules-regex>:<layers-regex>, not '"
                        + targets + "'");
            }
            return c.withTargets(targets.substring(0, colon), targets.substring(colon + 1));
        }
        return c;
    }

    /** Reads a preset name, a config.json or a model folder, of any architecture. */
    static ConfigJson readBackbone(String name) {
        Path path = Path.of(name);
        if (Files.isDirectory(path)) {
            return ConfigJson.read(path.resolve("config.json"));
        }
        return Files.exists(path) ? ConfigJson.read(path) : LanguageModel.preset(name);
    }

    /** The preset names, for the help text. */
    static final class Presets implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return LanguageModel.presets().iterator();
        }
    }
}
