package org.routelab.method;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.routelab.adapter.Adapter;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.routing.Router;

/**
 * The roles of parameters, which train at different learning rates, with the papers' defaults (MHR and
 * TensorPoly multi-task training: 3e-4 for the base model, 1e-3 for adapters, 0.1 for routing logits).
 * A parameter belongs to the innermost of a router, an adapter or the base model that holds it.
 */
public enum ParameterRole {
    /** The backbone's own weights. */
    BASE(3e-4),
    /** Expert (adapter) parameters. */
    ADAPTER(1e-3),
    /** Routing parameters (router logits). */
    ROUTING(0.1);

    private final double defaultLearningRate;

    ParameterRole(double defaultLearningRate) {
        this.defaultLearningRate = defaultLearningRate;
    }

    /** Returns the papers' learning rate for this group. */
    public double defaultLearningRate() {
        return defaultLearningRate;
    }

    /**
     * Splits a model's parameters into groups, each in model order under its dotted path.
     *
     * @param model the model
     * @return every group, possibly empty
     */
    public static Map<ParameterRole, Map<String, Parameter>> split(Module model) {
        Map<ParameterRole, Map<String, Parameter>> out = new EnumMap<>(ParameterRole.class);
        for (ParameterRole g : values()) {
            out.put(g, new LinkedHashMap<>());
        }
        classify(model, "", BASE, out);
        return out;
    }

    private static void classify(Module m, String prefix, ParameterRole inherited,
            Map<ParameterRole, Map<String, Parameter>> out) {
        ParameterRole group = m instanceof Router ? ROUTING : m instanceof Adapter ? ADAPTER : inherited;
        m.ownParameters().forEach((n, p) -> out.get(group).put(prefix + n, p));
        m.children().forEach((n, c) -> classify(c, prefix + n + ".", group, out));
    }
}
