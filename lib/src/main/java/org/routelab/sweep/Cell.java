package org.routelab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.routelab.experiment.ExperimentConfig;

/**
 * One point of a sweep's grid: the axis values that make it, its seed when the sweep has a seed axis,
 * the experiment it runs, and its key in the store ({@link CellKey}).
 *
 * @param index the cell's place in the grid (first axis outermost, seeds innermost)
 * @param axes each axis path with this cell's value, in the sweep's axis order
 * @param seed the cell's few-shot seed, or null when every cell runs the base's seeds
 * @param config the experiment
 * @param key the store key derived from {@code config}
 */
public record Cell(int index, Map<String, JsonNode> axes, Integer seed, ExperimentConfig config, String key) {
    /** Copies the axes, keeping their order. */
    public Cell {
        axes = Collections.unmodifiableMap(new LinkedHashMap<>(axes));
    }
}
