package org.routelab.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.ParameterRole;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.InputRouter;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A method's parameter counts on a backbone, read from the built model (structure only: frozen
 * weights are allocated, not filled): the expert (adapter) parameters, the routing parameters for the
 * training tasks, and the parameters each adaptation variant trains for one new task.
 *
 * <p>The papers count differently: MHR's table and TensorPoly's Table 3 report multi-task parameters
 * without routing for some rows and with it for others, so both totals are given.
 *
 * @param method the method
 * @param options the method's options, e.g. {@code r=1;S=8;T=313;granularity=layer}
 * @param adaptedLayers the number of adapted projections
 * @param expertParams adapter parameters other than routing (multi-task parameters without routing)
 * @param routingParams routing parameters: task logits for the configured training tasks, and the
 *     routers of task-free methods (which read the input, so their count does not depend on tasks)
 * @param adaptFull parameters trained by full adaptation (experts and one task's fresh routing; all
 *     of a task-free method's parameters)
 * @param adaptRouteOnly parameters trained by -z (one task's routing; a task-free method's routers),
 *     or -1 for unrouted methods
 * @param adaptAverage parameters trained by -mu (the averaged adapter), or -1 for task-free methods
 */
public record ParameterAccount(Method<?> method, String options, int adaptedLayers, long expertParams,
        long routingParams, long adaptFull, long adaptRouteOnly, long adaptAverage) {

    /** The CSV header matching {@link #csvRow}. */
    public static final String CSV_HEADER = "backbone,method,options,adapted_layers,expert_params,routing_params,"
            + "multitask_params_with_routing,adapt_full,adapt_z,adapt_mu";

    /**
     * Builds a backbone's structure with a method injected and counts its parameters.
     *
     * @param backbone the backbone's {@code config.json} fields (any architecture {@link LanguageModel#create} builds)
     * @param config the method and its options
     * @return the counts
     */
    public static ParameterAccount of(ConfigJson backbone, MethodConfig config) {
        try (NDManager manager = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.create(backbone, manager, DataType.FLOAT32);
            // Only the counts matter: any stream serves the initial values.
            RandomStream random = RandomStream.of(0);
            List<String> adapted = config.inject(model, random, DataType.FLOAT32);
            Map<ParameterRole, Map<String, Parameter>> groups = ParameterRole.split(model);
            // Input routers train with their adapters (ParameterRole.ADAPTER) but are routing here.
            long inputRouting = model.namedModules().values().stream()
                    .filter(m -> m instanceof InputRouter).mapToLong(Module::parameterCount).sum();
            long experts = size(groups.get(ParameterRole.ADAPTER)) - inputRouting;
            long routing = size(groups.get(ParameterRole.ROUTING)) + inputRouting;
            if (!config.routing().taskIds() && routing > 0) {
                AdaptationVariant.FULL.apply(model, 1, random);
                long full = model.trainableParameterCount();
                AdaptationVariant.ROUTE_ONLY.apply(model, 1, random);
                return new ParameterAccount(config.method(), config.describe(), adapted.size(), experts, routing,
                        full, model.trainableParameterCount(), -1);
            }
            if (!config.routing().taskIds()) {
                return new ParameterAccount(config.method(), config.describe(), adapted.size(), experts, routing,
                        experts, -1, experts);
            }
            long full = -1;
            long routeOnly = -1;
            if (!config.randomRouting()) {
                AdaptationVariant.FULL.apply(model, 1, random);
                full = model.trainableParameterCount();
                AdaptationVariant.ROUTE_ONLY.apply(model, 1, random);
                routeOnly = model.trainableParameterCount();
            }
            AdaptationVariant.AVERAGE.apply(model, 1, random);
            long average = model.trainableParameterCount();
            return new ParameterAccount(config.method(), config.describe(), adapted.size(), experts, routing, full,
                    routeOnly, average);
        }
    }

    private static long size(Map<String, Parameter> params) {
        return params.values().stream().mapToLong(Parameter::size).sum();
    }

    /** Returns expert plus routing parameters. */
    public long multitaskParamsWithRouting() {
        return expertParams + routingParams;
    }

    /**
     * Returns the CSV row (see {@link #CSV_HEADER}); counts a variant does not have are empty.
     *
     * @param backbone the backbone's name as given
     * @return the row
     */
    public String csvRow(String backbone) {
        return String.join(",", backbone, method.name(), options, Integer.toString(adaptedLayers),
                Long.toString(expertParams), Long.toString(routingParams), Long.toString(multitaskParamsWithRouting()),
                count(adaptFull), count(adaptRouteOnly), count(adaptAverage));
    }

    private static String count(long n) {
        return n < 0 ? "" : Long.toString(n);
    }

    /**
     * Returns the parameters a new task keeps after adaptation with a variant, as the papers count
     * "adaptation parameters": -z keeps the task's routing only; full and -mu adaptation keep one
     * adapter, since a task's mixture of trained experts merges into one (Poly's and MHR's a LoRA of
     * rank r), which is what -mu trains. Full adaptation trains more than it keeps ({@link #adaptFull}).
     *
     * @param variant the adaptation variant
     * @return the count, or -1 if the method has no such variant (-z without routers)
     */
    public long keptPerTask(AdaptationVariant variant) {
        return variant == AdaptationVariant.ROUTE_ONLY ? adaptRouteOnly : adaptAverage;
    }

    /**
     * Returns the accounts as a table: one row each, with every count ({@code -1} counts empty).
     *
     * @param accounts the accounts
     * @return the table
     */
    public static Table table(List<ParameterAccount> accounts) {
        StringColumn method = StringColumn.create("method");
        StringColumn options = StringColumn.create("options");
        IntColumn layers = IntColumn.create("adapted layers");
        LongColumn experts = LongColumn.create("multi-task (experts)");
        LongColumn routing = LongColumn.create("routing (T tasks)");
        LongColumn full = LongColumn.create("trained: full");
        LongColumn z = LongColumn.create("trained: -z");
        LongColumn mu = LongColumn.create("trained: -mu");
        for (ParameterAccount a : accounts) {
            method.append(a.method().name());
            options.append(a.options());
            layers.append(a.adaptedLayers());
            experts.append(a.expertParams());
            routing.append(a.routingParams());
            appendCount(full, a.adaptFull());
            appendCount(z, a.adaptRouteOnly());
            appendCount(mu, a.adaptAverage());
        }
        return Table.create("parameter counts", method, options, layers, experts, routing, full, z, mu);
    }

    /**
     * Puts accounts beside a paper's parameter table (columns {@code paper_label}, {@code method},
     * {@code adaptation_params} and, if the paper has it, {@code multitask_params}, as in {@code
     * notebooks/data}): row {@code i} of the paper is compared with {@code accounts.get(i)}, built for
     * that row's settings. Our multi-task count is given without and with the training tasks' routing
     * (the papers use either); the adaptation count is what a new task keeps ({@link #keptPerTask}, by
     * the variant the {@code method} name ends with). Our counts are abbreviated with the papers'
     * units ({@link #abbreviate}).
     *
     * @param paper the paper's rows
     * @param accounts one account per paper row, or null for rows without a RouteLab counterpart
     * @return the paper's rows with our counts beside theirs
     */
    public static Table besidePaper(Table paper, List<ParameterAccount> accounts) {
        if (accounts.size() != paper.rowCount()) {
            throw new IllegalArgumentException(accounts.size() + " accounts for " + paper.rowCount() + " paper rows");
        }
        StringColumn label = StringColumn.create("paper label");
        StringColumn paperMultitask = StringColumn.create("paper multi-task");
        StringColumn ourMultitask = StringColumn.create("ours multi-task");
        StringColumn ourWithRouting = StringColumn.create("ours with routing");
        StringColumn paperAdapt = StringColumn.create("paper adaptation");
        StringColumn ourAdapt = StringColumn.create("ours adaptation");
        StringColumn ourTrained = StringColumn.create("ours trained in adaptation");
        for (int row = 0; row < paper.rowCount(); row++) {
            ParameterAccount a = accounts.get(row);
            String method = paper.stringColumn("method").get(row);
            label.append(paper.stringColumn("paper_label").get(row));
            paperMultitask.append(paper.columnNames().contains("multitask_params")
                    ? paper.getString(row, "multitask_params") : "");
            paperAdapt.append(paper.getString(row, "adaptation_params"));
            if (a == null) {
                ourMultitask.append("");
                ourWithRouting.append("");
                ourAdapt.append("");
                ourTrained.append("");
                continue;
            }
            AdaptationVariant variant = method.endsWith("-z") ? AdaptationVariant.ROUTE_ONLY
                    : method.endsWith("-mu") ? AdaptationVariant.AVERAGE : AdaptationVariant.FULL;
            ourMultitask.append(abbreviate(a.expertParams()));
            ourWithRouting.append(abbreviate(a.multitaskParamsWithRouting()));
            ourAdapt.append(abbreviate(a.keptPerTask(variant)));
            ourTrained.append(abbreviate(variant == AdaptationVariant.ROUTE_ONLY ? a.adaptRouteOnly()
                    : variant == AdaptationVariant.AVERAGE ? a.adaptAverage() : a.adaptFull()));
        }
        return Table.create("parameters: ours beside the paper's", label, paperMultitask, ourMultitask,
                ourWithRouting, paperAdapt, ourAdapt, ourTrained);
    }

    /**
     * Writes a count with three significant digits and the papers' units: 3456 as 3.46K, 2,211,840 as
     * 2.21M, 17,694,720 as 17.7M, 221,184 as 221K.
     *
     * @param n the count (negative: empty)
     * @return the abbreviation
     */
    public static String abbreviate(long n) {
        if (n < 0) {
            return "";
        }
        String[] units = {"", "K", "M", "B"};
        double v = n;
        int u = 0;
        while (v >= 999.5 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        if (u == 0) {
            return Long.toString(n);
        }
        String digits = v < 9.995 ? "%.2f%s" : v < 99.95 ? "%.1f%s" : "%.0f%s";
        return String.format(Locale.ROOT, digits, v, units[u]);
    }

    private static void appendCount(LongColumn c, long n) {
        if (n < 0) {
            c.appendMissing();
        } else {
            c.append(n);
        }
    }
}
