package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.routelab.nn.Parameter;

/**
 * Trained parameters of one shape, data type and learning rate, updated as one array stacked along a
 * new first axis: an optimiser step costs a few operations per stack instead of per parameter (a LoRA
 * model has hundreds of small parameters but a handful of shapes). Members are ordered by name, so the
 * stacked arithmetic is the same in every run.
 */
public final class ParameterStack {
    private final List<String> names;
    private final List<Parameter> parameters;
    private final float learningRate;

    private ParameterStack(List<String> names, List<Parameter> parameters, float learningRate) {
        this.names = List.copyOf(names);
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
    }

    /**
     * Returns a stack of one parameter.
     *
     * @param name the parameter's path
     * @param parameter the parameter
     * @param learningRate its peak learning rate
     * @return the stack
     */
    public static ParameterStack of(String name, Parameter parameter, float learningRate) {
        return new ParameterStack(List.of(name), List.of(parameter), learningRate);
    }

    /**
     * Groups parameters into stacks of equal shape, data type and learning rate.
     *
     * @param groups the trained parameters with their learning rates
     * @return the stacks, ordered by their first member's name
     */
    public static List<ParameterStack> of(List<ParameterGroup> groups) {
        Map<String, Parameter> byName = new TreeMap<>();
        Map<String, Float> rates = new HashMap<>();
        for (ParameterGroup g : groups) {
            g.parameters().forEach((name, p) -> {
                byName.put(name, p);
                rates.put(name, g.learningRate());
            });
        }
        Map<String, List<String>> stacks = new LinkedHashMap<>();
        byName.forEach((name, p) -> stacks.computeIfAbsent(
                p.array().getShape() + "/" + p.array().getDataType() + "/" + rates.get(name),
                k -> new ArrayList<>()).add(name));
        return stacks.values().stream()
                .map(n -> new ParameterStack(n, n.stream().map(byName::get).toList(), rates.get(n.get(0))))
                .toList();
    }

    /** Returns the members' paths, in stacking order. */
    public List<String> names() {
        return names;
    }

    /** Returns the number of members. */
    public int size() {
        return parameters.size();
    }

    /** Returns the peak learning rate of the members. */
    public float learningRate() {
        return learningRate;
    }

    /** Returns the shape of one member. */
    public Shape memberShape() {
        return parameters.get(0).array().getShape();
    }

    /** Returns the members' data type. */
    public DataType dataType() {
        return parameters.get(0).array().getDataType();
    }

    /**
     * Returns the members' gradients stacked {@code [members, ...]} and zeroes the gradients themselves
     * (they accumulate across backward passes).
     *
     * @param scope where the stacked array and the gradient handles live
     * @return the stacked gradients
     */
    public NDArray takeGradients(NDManager scope) {
        NDList gradients = new NDList(parameters.size());
        for (Parameter p : parameters) {
            NDArray g = p.array().getGradient();
            g.attach(scope);
            gradients.add(g);
        }
        NDArray stacked = NDArrays.stack(gradients);
        for (NDArray g : gradients) {
            g.muli(0f);
        }
        return stacked;
    }

    /**
     * Scales every member in place by one factor (decoupled weight decay).
     *
     * @param factor the factor
     */
    public void scale(float factor) {
        for (Parameter p : parameters) {
            p.array().muli(factor);
        }
    }

    /**
     * Subtracts a stacked update from the members, in place.
     *
     * @param update {@code [members, ...]}
     */
    public void subtract(NDArray update) {
        for (int i = 0; i < parameters.size(); i++) {
            try (NDArray row = update.get(i)) {
                parameters.get(i).array().subi(row);
            }
        }
    }

    /** Stacks are equal when they hold the same parameters by path: an optimiser's state follows the paths. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterStack other && names.equals(other.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }
}
