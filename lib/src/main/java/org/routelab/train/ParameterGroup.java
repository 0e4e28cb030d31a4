package org.routelab.train;

import java.util.Map;
import org.routelab.nn.Parameter;

/**
 * Parameters trained with one learning rate (the papers use separate rates for the backbone, the
 * adapters and the routing logits).
 *
 * @param name the group's name, e.g. {@code adapter}
 * @param learningRate the peak learning rate, scaled by the schedule
 * @param parameters the parameters by path
 */
public record ParameterGroup(String name, float learningRate, Map<String, Parameter> parameters) {
    /** Validates and copies. */
    public ParameterGroup {
        if (!(learningRate >= 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate of group '" + name + "' must be >= 0, got " + learningRate);
        }
        parameters = Map.copyOf(parameters);
    }
}
