package org.routelab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sweep's store keeps of one cell (its file {@code cells/KEY.json}): the cell, how it went, and
 * what it measured.
 *
 * @param key the store key
 * @param axes the cell's axis values
 * @param seed the cell's seed, or null when it ran the base's seeds
 * @param config the experiment, as JSON
 * @param method the method with its options, as text (empty if failed)
 * @param status {@link #OK} or {@link #FAILED}
 * @param attempts how many times it ran
 * @param error the last attempt's error, or null
 * @param meanAccuracy the papers' figure (median over seeds per task, mean over tasks), or null if failed
 * @param accuracy held-out accuracy by task, then by seed (empty if failed)
 * @param trainableMultitask parameters trained in the multi-task phase
 * @param trainableAdaptation parameters trained in the few-shot phase
 * @param multitaskLosses the multi-task training loss of every step (empty if failed)
 * @param wallSeconds the successful attempt's wall time (or all attempts' when failed)
 */
public record CellRecord(String key, Map<String, JsonNode> axes, Integer seed, JsonNode config, String method, String status,
        int attempts, String error, Double meanAccuracy, Map<String, Map<String, Double>> accuracy,
        long trainableMultitask, long trainableAdaptation, List<Float> multitaskLosses, double wallSeconds) {
    /** The status of a cell that finished. */
    public static final String OK = "ok";
    /** The status of a cell whose every attempt failed. */
    public static final String FAILED = "failed";

    /** Copies the maps, keeping their order. */
    public CellRecord {
        axes = Collections.unmodifiableMap(new LinkedHashMap<>(axes));
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        (accuracy == null ? Map.<String, Map<String, Double>>of() : accuracy)
                .forEach((task, bySeed) -> copy.put(task, Collections.unmodifiableMap(new LinkedHashMap<>(bySeed))));
        accuracy = Collections.unmodifiableMap(copy);
        multitaskLosses = multitaskLosses == null ? List.of() : List.copyOf(multitaskLosses);
    }

    /** Returns whether the cell finished. */
    public boolean ok() {
        return OK.equals(status);
    }
}
