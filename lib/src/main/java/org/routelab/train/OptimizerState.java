package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/** Restores an optimiser's named state arrays from a checkpoint. */
final class OptimizerState {
    private OptimizerState() {}

    /**
     * Copies saved arrays into per-parameter maps, keyed by {@code parameterName + suffix}.
     *
     * @param saved the saved arrays
     * @param manager where the copies are kept
     * @param targets per suffix, the map from parameter name to state array to fill
     * @throws IllegalArgumentException for a saved name with no known suffix
     */
    static void restore(Map<String, NDArray> saved, NDManager manager, Map<String, Map<String, NDArray>> targets) {
        targets.values().forEach(t -> {
            t.values().forEach(NDArray::close);
            t.clear();
        });
        for (Map.Entry<String, NDArray> e : saved.entrySet()) {
            String key = e.getKey();
            int slash = key.lastIndexOf('/');
            Map<String, NDArray> target = slash < 0 ? null : targets.get(key.substring(slash));
            if (target == null) {
                throw new IllegalArgumentException("unknown optimiser state entry '" + key + "'; expected one of "
                        + targets.keySet() + " after a parameter name");
            }
            NDArray copy = e.getValue().duplicate();
            copy.attach(manager);
            target.put(key.substring(0, slash), copy);
        }
    }
}
