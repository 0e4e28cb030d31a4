package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A projection {@code y = x W^T (+ b)} with {@code W} stored as {@code [out, in]} (PyTorch layout, so
 * checkpoint tensors load without transposition). T5 and most Llama-family models have no bias;
 * Qwen2's query, key and value projections do.
 */
public class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;

    /**
     * Creates a projection whose weight is allocated but not filled: values come from a checkpoint or
     * an initialiser. Untouched memory costs no resident pages, so a model built only to count its
     * parameters stays cheap even at billions of weights.
     *
     * @param manager the manager that owns the weight
     * @param inFeatures the input size
     * @param outFeatures the output size
     * @param dataType the weight's data type
     */
    public Linear(NDManager manager, int inFeatures, int outFeatures, DataType dataType) {
        this(manager, inFeatures, outFeatures, false, dataType);
    }

    /**
     * Creates a projection, with a bias if asked, whose parameters are allocated but not filled
     * (see {@link #Linear(NDManager, int, int, DataType)}).
     *
     * @param manager the manager that owns the parameters
     * @param inFeatures the input size
     * @param outFeatures the output size
     * @param bias whether the projection has a bias {@code [out]}
     * @param dataType the parameters' data type
     */
    public Linear(NDManager manager, int inFeatures, int outFeatures, boolean bias, DataType dataType) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        addParameter("weight", manager.create(new Shape(outFeatures, inFeatures), dataType));
        if (bias) {
            addParameter("bias", manager.create(new Shape(outFeatures), dataType));
        }
    }

    /**
     * Wraps an existing projection's parameters (used when an adapter takes over a projection).
     *
     * @param base the projection whose weight (and bias) are moved into this module
     */
    protected Linear(Linear base) {
        this.inFeatures = base.inFeatures;
        this.outFeatures = base.outFeatures;
        addParameter("weight", base.weight().array());
        if (base.hasBias()) {
            addParameter("bias", base.parameter("bias").array());
        }
    }

    /** Returns the frozen weight {@code W0} of shape {@code [out, in]}. */
    public final Parameter weight() {
        return parameter("weight");
    }

    /** Returns whether the projection adds a bias. */
    public final boolean hasBias() {
        return ownParameters().containsKey("bias");
    }

    /** Returns the input size. */
    public final int inFeatures() {
        return inFeatures;
    }

    /** Returns the output size. */
    public final int outFeatures() {
        return outFeatures;
    }

    /**
     * Applies the projection to the last axis of {@code x}.
     *
     * @param x input {@code [..., in]}
     * @param ctx the forward context
     * @return output {@code [..., out]}
     */
    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray bias = hasBias() ? parameter("bias").array() : null;
        return ai.djl.nn.core.Linear.linear(x, weight().array(), bias).singletonOrThrow();
    }
}
