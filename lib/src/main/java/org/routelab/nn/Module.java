package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of a model tree: named parameters and named child modules, addressed by dotted paths that
 * equal the Hugging Face module names (e.g. {@code encoder.block.0.layer.0.SelfAttention.q.weight}),
 * so checkpoints map one to one and adapters are injected by regexes over the same names.
 *
 * <p>Children are looked up through the map rather than cached in fields so that {@link
 * #replaceChild} (adapter injection) takes effect in the parent's forward pass.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /**
     * Registers a parameter of this module; frozen until marked trainable.
     *
     * @param name the local name, e.g. {@code weight}
     * @param value the initial value, owned by the model's manager
     * @return the parameter
     */
    protected final Parameter addParameter(String name, NDArray value) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name '" + name + "' in " + getClass().getSimpleName());
        }
        Parameter p = new Parameter(value, false);
        parameters.put(name, p);
        return p;
    }

    /**
     * Registers a child module.
     *
     * @param name the local name, e.g. {@code SelfAttention}
     * @param child the child
     * @param <M> the child's type
     * @return the child
     */
    protected final <M extends Module> M addChild(String name, M child) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name '" + name + "' in " + getClass().getSimpleName());
        }
        children.put(name, child);
        return child;
    }

    /**
     * Returns the child registered under {@code name}.
     *
     * @param name the local name
     * @param type the expected type
     * @param <M> the expected type
     * @return the child
     */
    protected final <M extends Module> M child(String name, Class<M> type) {
        Module m = children.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
        }
        return type.cast(m);
    }

    /**
     * Returns the parameter registered under {@code name} on this module.
     *
     * @param name the local name
     * @return the parameter
     */
    public final Parameter parameter(String name) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in " + getClass().getSimpleName());
        }
        return p;
    }

    /**
     * Replaces a child by another of a compatible type: a subtype (injecting an adapter) or a supertype
     * (removing it again).
     *
     * @param name the local name of the existing child
     * @param replacement the new child
     */
    public final void replaceChild(String name, Module replacement) {
        Module old = children.get(name);
        if (old == null) {
            throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
        }
        if (!old.getClass().isInstance(replacement) && !replacement.getClass().isInstance(old)) {
            throw new IllegalArgumentException(
                    "cannot replace " + old.getClass().getSimpleName() + " '" + name + "' by "
                            + replacement.getClass().getSimpleName());
        }
        children.put(name, replacement);
    }

    /** Returns the direct children in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Returns this module's own parameters (not its children's) in registration order. */
    public final Map<String, Parameter> ownParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * Returns whether one of this module's own parameters was released (its manager closed): components
     * that remember modules between passes (e.g. groups computed together) let such a module drop out.
     *
     * @return whether an own parameter's array is released
     */
    public final boolean released() {
        for (Parameter p : parameters.values()) {
            if (p.array().isReleased()) {
                return true;
            }
        }
        return false;
    }

    /** Returns every parameter of the tree under its dotted path, in depth-first registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Parameter> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, c) -> c.collectParameters(prefix + n + ".", out));
    }

    /** Returns every module of the tree (this one under the empty path) in depth-first order. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String path, Map<String, Module> out) {
        out.put(path, this);
        children.forEach((n, c) -> c.collectModules(path.isEmpty() ? n : path + "." + n, out));
    }

    /**
     * Marks every parameter of the tree trainable or frozen.
     *
     * @param trainable the new flag
     */
    public final void setTrainable(boolean trainable) {
        namedParameters().values().forEach(p -> p.setTrainable(trainable));
    }

    /** Returns the trainable parameters of the tree under their dotted paths, in model order. */
    public final Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> {
            if (p.isTrainable()) {
                out.put(name, p);
            }
        });
        return out;
    }

    /** Returns the number of scalar values in trainable parameters. */
    public final long trainableParameterCount() {
        return trainableParameters().values().stream().mapToLong(Parameter::size).sum();
    }

    /** Returns the number of scalar values in all parameters. */
    public final long parameterCount() {
        return namedParameters().values().stream().mapToLong(Parameter::size).sum();
    }

    /** Returns the manager that owns this module's parameters (the first parameter's). */
    public NDManager manager() {
        return namedParameters().values().iterator().next().array().getManager();
    }
}
