package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A named tensor owned by a {@link Module}. Frozen parameters carry no autograd state; trainable
 * ones have {@code requires_grad} set so that a gradient collector fills their gradients.
 */
public final class Parameter {
    private NDArray array;
    private boolean trainable;

    Parameter(NDArray array, boolean trainable) {
        this.array = array;
        setTrainable(trainable);
    }

    /** Returns the current value. Use it as an argument of operations, never keep it past a {@link #set}. */
    public NDArray array() {
        return array;
    }

    /** Returns the shape of the value. */
    public Shape shape() {
        return array.getShape();
    }

    /** Returns whether the optimiser updates this parameter. */
    public boolean isTrainable() {
        return trainable;
    }

    /**
     * Marks the parameter trainable or frozen.
     *
     * @param trainable whether gradients should be computed for it
     */
    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
        array.setRequiresGradient(trainable);
    }

    /**
     * Replaces the value in place of the old one, which is closed. The new value is moved to the old
     * value's manager and keeps the trainable flag.
     *
     * @param value the new value; must have the same shape
     */
    public void set(NDArray value) {
        if (!value.getShape().equals(array.getShape())) {
            throw new IllegalArgumentException(
                    "shape " + value.getShape() + " does not match parameter shape " + array.getShape());
        }
        NDArray old = array;
        value.attach(old.getManager());
        array = value;
        old.close();
        setTrainable(trainable);
    }

    /** Returns the number of scalar values. */
    public long size() {
        return array.size();
    }
}
