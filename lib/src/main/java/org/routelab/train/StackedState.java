package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An optimiser's state, kept per {@link ParameterStack} as stacked arrays and step counts, and saved
 * and restored per parameter ({@code name/exp_avg}, {@code name/step}), so checkpoints name each
 * parameter's state whatever the stacking.
 */
final class StackedState implements AutoCloseable {
    private static final String STEP = "/step";

    private final NDManager manager;
    private final Set<String> suffixes;
    private final Map<String, Map<ParameterStack, NDArray>> arrays = new LinkedHashMap<>();
    private final Map<ParameterStack, Integer> steps = new LinkedHashMap<>();
    private final Map<String, NDArray> restored = new HashMap<>();
    private final Map<String, Integer> restoredSteps = new HashMap<>();
    private NDManager exported;

    /**
     * Creates empty state.
     *
     * @param parent the manager under which the arrays are kept
     * @param suffixes the kinds of per-parameter arrays, e.g. {@code /exp_avg}
     */
    StackedState(NDManager parent, Set<String> suffixes) {
        this.manager = parent.newSubManager();
        this.suffixes = Set.copyOf(suffixes);
        suffixes.forEach(s -> arrays.put(s, new LinkedHashMap<>()));
    }

    /**
     * Returns a stack's array of one kind, made on first use from restored state or zeros.
     *
     * @param suffix the kind
     * @param stack the stack
     * @param memberShape the shape of one member's array
     * @param dataType the data type
     * @return {@code [members, memberShape...]}
     */
    NDArray get(String suffix, ParameterStack stack, Shape memberShape, DataType dataType) {
        return arrays.get(suffix).computeIfAbsent(stack, k -> {
            List<NDArray> saved = stack.names().stream().map(n -> restored.remove(n + suffix)).toList();
            if (saved.stream().allMatch(a -> a != null)) {
                NDArray stacked = NDArrays.stack(new NDList(saved)).toType(dataType, false);
                stacked.attach(manager);
                saved.forEach(NDArray::close);
                return stacked;
            }
            return manager.zeros(new Shape(stack.size()).addAll(memberShape), dataType);
        });
    }

    /**
     * Counts a step of a stack.
     *
     * @param stack the stack
     * @return the stack's steps so far, this one included
     */
    int advance(ParameterStack stack) {
        int before = steps.computeIfAbsent(stack, k -> restoredSteps.getOrDefault(k.names().get(0), 0));
        steps.put(stack, before + 1);
        return before + 1;
    }

    /** Returns each parameter's arrays and step count, valid until the next call or {@link #close}. */
    Map<String, NDArray> export() {
        if (exported != null) {
            exported.close();
        }
        exported = manager.newSubManager();
        Map<String, NDArray> out = new LinkedHashMap<>();
        arrays.forEach((suffix, bySuffix) -> bySuffix.forEach((stack, stacked) -> {
            for (int i = 0; i < stack.size(); i++) {
                NDArray row = stacked.get(i);
                row.attach(exported);
                out.put(stack.names().get(i) + suffix, row);
            }
        }));
        steps.forEach((stack, step) -> stack.names().forEach(n -> out.put(n + STEP, exported.create((float) step))));
        return out;
    }

    /**
     * Replaces the state with saved per-parameter arrays; each stack takes its members' arrays on its
     * next use.
     *
     * @param saved arrays named {@code parameter + suffix}
     * @throws IllegalArgumentException for a name with no known suffix
     */
    void load(Map<String, NDArray> saved) {
        arrays.values().forEach(m -> {
            m.values().forEach(NDArray::close);
            m.clear();
        });
        steps.clear();
        restored.values().forEach(NDArray::close);
        restored.clear();
        restoredSteps.clear();
        for (Map.Entry<String, NDArray> e : saved.entrySet()) {
            String key = e.getKey();
            int slash = key.lastIndexOf('/');
            String suffix = slash < 0 ? null : key.substring(slash);
            if (STEP.equals(suffix)) {
                restoredSteps.put(key.substring(0, slash), Math.round(e.getValue().getFloat()));
            } else if (suffix != null && suffixes.contains(suffix)) {
                NDArray copy = e.getValue().duplicate();
                copy.attach(manager);
                restored.put(key, copy);
            } else {
                throw new IllegalArgumentException("unknown optimiser state entry '" + key + "'; expected one of "
                        + suffixes + " or " + STEP + " after a parameter name");
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
