package org.routelab.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.routelab.analysis.AdapterWeights;

/** Builds {@link AdapterWeights} from literal values for the analysis tests. */
final class Weights {
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    Weights put(String name, float[] v, long... shape) {
        values.put(name, v);
        shapes.put(name, shape);
        return this;
    }

    AdapterWeights build(int step) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            values.forEach((k, v) -> arrays.put(k, m.create(v, new Shape(shapes.get(k)))));
            return AdapterWeights.copyOf(arrays, step);
        }
    }
}
