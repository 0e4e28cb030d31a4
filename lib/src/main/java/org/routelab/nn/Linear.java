package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A projection {@code y = x W^T} with {@code W} stored as {@code [out, in]} (PyTorch layout, so
 * checkpoint tensors load without transposition). No bias: the backbones here have none.
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
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        addParameter("weight", manager.create(new Shape(outFeatures, inFeatures), dataType));
    }

    /**
     * Wraps an existing weight parameter (used when an adapter takes over a projection).
     *
     * @param base the projection whose weight is moved into this module
     */
    protected Linear(Linear base) {
        this.inFeatures = base.inFeatures;
        this.outFeatures = base.outFeatures;
        addParameter("weight", base.weight().array());
    }

    /** Returns the frozen weight {@code W0} of shape {@code [out, in]}. */
    public final Parameter weight() {
        return parameter("weight");
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
        return ai.djl.nn.core.Linear.linear(x, weight().array()).singletonOrThrow();
    }
}
