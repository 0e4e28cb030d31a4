package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Root-mean-square layer norm without mean subtraction or bias (T5, Llama):
 * {@code y = w * x / sqrt(mean(x^2) + eps)}, with the statistic computed in float32 as the
 * reference implementations do for half-precision weights.
 */
public final class RmsNorm extends Module {
    private final float eps;

    /**
     * Creates the norm with unit scale.
     *
     * @param manager the manager that owns the scale
     * @param dim the normalised size
     * @param eps the variance epsilon
     * @param dataType the scale's data type
     */
    public RmsNorm(NDManager manager, int dim, float eps, DataType dataType) {
        this.eps = eps;
        addParameter("weight", manager.ones(new Shape(dim), dataType));
    }

    /**
     * Normalises the last axis.
     *
     * @param x input {@code [..., dim]}
     * @return the normalised input, in the scale's data type
     */
    public NDArray forward(NDArray x) {
        NDArray w = parameter("weight").array();
        NDArray x32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray squared = x32.square();
        NDArray variance = squared.mean(new int[] {-1}, true);
        NDArray shifted = Scalars.add(variance, eps);
        NDArray rms = shifted.sqrt();
        NDArray normed = x32.div(rms);
        NDArray typed = w.getDataType() == DataType.FLOAT32 ? normed : normed.toType(w.getDataType(), false);
        NDArray out = typed.mul(w);
        // Autograd keeps what backward needs; the handles are freed now rather than with the step.
        for (NDArray a : new NDArray[] {squared, variance, shifted, rms, normed, typed}) {
            a.close();
        }
        if (x32 != x) {
            x32.close();
        }
        return out;
    }
}
