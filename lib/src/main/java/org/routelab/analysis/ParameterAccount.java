package org.routelab.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Map;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.ParameterRole;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.routing.AdaptationVariant;
import org.routelab.routing.InputRouter;

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
public record ParameterAccount(Method method, String options, int adaptedLayers, long expertParams,
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
            List<String> adapted = Method.inject(model, config, DataType.FLOAT32);
            Map<ParameterRole, Map<String, Parameter>> groups = ParameterRole.split(model);
            // Input routers train with their adapters (ParameterRole.ADAPTER) but are routing here.
            long inputRouting = model.namedModules().values().stream()
                    .filter(m -> m instanceof InputRouter).mapToLong(Module::parameterCount).sum();
            long experts = size(groups.get(ParameterRole.ADAPTER)) - inputRouting;
            long routing = size(groups.get(ParameterRole.ROUTING)) + inputRouting;
            if (!config.method().routed() && routing > 0) {
                AdaptationVariant.FULL.apply(model, 1);
                long full = model.trainableParameterCount();
                AdaptationVariant.ROUTE_ONLY.apply(model, 1);
                return new ParameterAccount(config.method(), config.describe(), adapted.size(), experts, routing,
                        full, model.trainableParameterCount(), -1);
            }
            if (!config.method().routed()) {
                return new ParameterAccount(config.method(), config.describe(), adapted.size(), experts, routing,
                        experts, -1, experts);
            }
            long full = -1;
            long routeOnly = -1;
            if (!config.randomRouting()) {
                AdaptationVariant.FULL.apply(model, 1);
                full = model.trainableParameterCount();
                AdaptationVariant.ROUTE_ONLY.apply(model, 1);
                routeOnly = model.trainableParameterCount();
            }
            AdaptationVariant.AVERAGE.apply(model, 1);
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
        return String.join(",", backbone, method.id(), options, Integer.toString(adaptedLayers),
                Long.toString(expertParams), Long.toString(routingParams), Long.toString(multitaskParamsWithRouting()),
                count(adaptFull), count(adaptRouteOnly), count(adaptAverage));
    }

    private static String count(long n) {
        return n < 0 ? "" : Long.toString(n);
    }
}
