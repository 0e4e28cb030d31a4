package org.routelab.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.routelab.backbone.checkpoint.SafetensorsFile;

/**
 * The parameters multi-task training trained (experts and routers), copied to the Java heap under
 * their model paths, e.g. {@code encoder.block.0.layer.0.SelfAttention.q.adapter.router.module_logits}.
 * They outlive the experiment's engine memory, so analyses (routing maps, expert similarity,
 * trajectories) read them after a run, or from a run folder written on another machine.
 */
public final class AdapterWeights {
    /** No weights: a run without multi-task training. */
    public static final AdapterWeights EMPTY = new AdapterWeights(0, Map.of(), Map.of());

    private final int step;
    private final Map<String, float[]> values;
    private final Map<String, long[]> shapes;

    private AdapterWeights(int step, Map<String, float[]> values, Map<String, long[]> shapes) {
        this.step = step;
        this.values = Collections.unmodifiableMap(values);
        this.shapes = Collections.unmodifiableMap(shapes);
    }

    /**
     * Copies arrays to the heap as float32.
     *
     * @param arrays parameter path to array
     * @param step the training step the arrays are from
     * @return the copies, in the map's order
     */
    public static AdapterWeights copyOf(Map<String, NDArray> arrays, int step) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        arrays.forEach((name, array) -> {
            values.put(name, array.toType(DataType.FLOAT32, false).toFloatArray());
            shapes.put(name, array.getShape().getShape());
        });
        return new AdapterWeights(step, values, shapes);
    }

    /**
     * Reads a safetensors file of adapters, e.g. {@code multitask/adapters.safetensors} of a run folder.
     *
     * @param file the file
     * @param step the training step it holds
     * @return its tensors, in the file's order
     */
    public static AdapterWeights read(Path file, int step) {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu());
                SafetensorsFile tensors = SafetensorsFile.open(file)) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String name : tensors.names()) {
                arrays.put(name, tensors.read(name, DataType.FLOAT32, manager));
            }
            return copyOf(arrays, step);
        }
    }

    /** Returns the training step the weights are from (0 for {@link #EMPTY}). */
    public int step() {
        return step;
    }

    /** Returns whether there are no weights. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Returns the parameter paths, in model order. */
    public Set<String> names() {
        return values.keySet();
    }

    /**
     * Returns a parameter's values, row-major.
     *
     * @param name the parameter path
     * @return the values (a copy)
     * @throws IllegalArgumentException if there is no such parameter
     */
    public float[] values(String name) {
        return require(name).clone();
    }

    /**
     * Returns a parameter's shape.
     *
     * @param name the parameter path
     * @return the dimensions (a copy)
     * @throws IllegalArgumentException if there is no such parameter
     */
    public long[] shape(String name) {
        require(name);
        return shapes.get(name).clone();
    }

    /**
     * Returns the parameters whose path ends with a suffix, e.g. {@code ".router.module_logits"}.
     *
     * @param suffix the end of the path
     * @return path to values (copies), in model order
     */
    public Map<String, float[]> endingWith(String suffix) {
        Map<String, float[]> out = new LinkedHashMap<>();
        values.forEach((name, v) -> {
            if (name.endsWith(suffix)) {
                out.put(name, v.clone());
            }
        });
        return out;
    }

    private float[] require(String name) {
        float[] v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no trained parameter '" + name + "'; there are " + values.size()
                    + (values.isEmpty() ? " (the run had no multi-task training)" : ", e.g. " + names().iterator().next()));
        }
        return v;
    }

    @Override
    public String toString() {
        long total = values.values().stream().mapToLong(v -> v.length).sum();
        return "AdapterWeights[step " + step + ", " + values.size() + " parameters, " + total + " values]";
    }
}
