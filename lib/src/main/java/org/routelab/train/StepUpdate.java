package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The update that ends a training step, after backward: takes the gradients a {@link ParameterStack}
 * at a time, clips them by their global norm and applies the optimiser. The loss and the norm come back
 * from the engine together, the step's one read: a non-finite value stops the run before any weight
 * changes.
 */
public final class StepUpdate {
    private final List<ParameterStack> stacks;
    private final Optimizer optimizer;
    private final float maxGradNorm;

    /**
     * Creates the update.
     *
     * @param stacks the trained parameters
     * @param optimizer the optimiser
     * @param maxGradNorm the largest global gradient norm; 0 or less: no clipping
     */
    public StepUpdate(List<ParameterStack> stacks, Optimizer optimizer, float maxGradNorm) {
        this.stacks = List.copyOf(stacks);
        this.optimizer = optimizer;
        this.maxGradNorm = maxGradNorm;
    }

    /**
     * Applies a step's gradients.
     *
     * @param step the 0-based step index (for error messages)
     * @param loss the step's scalar loss, already back-propagated
     * @param learningRateFactor the schedule's factor for the step
     * @param scope the step's manager
     * @return the loss
     * @throws NonFiniteStepException if the loss or the gradients' norm is not finite (no weight changed)
     */
    public float apply(int step, NDArray loss, float learningRateFactor, NDManager scope) {
        List<NDArray> gradients = new ArrayList<>(stacks.size());
        for (ParameterStack stack : stacks) {
            gradients.add(stack.takeGradients(scope));
        }
        NDArray norm = GradientClipping.norm(gradients);
        double[] read = NDArrays.stack(new NDList(loss.toType(DataType.FLOAT64, false).reshape(new Shape()), norm))
                .toDoubleArray();
        float value = (float) read[0];
        if (!Float.isFinite(value)) {
            throw new NonFiniteStepException(step + 1, "the loss is " + value);
        }
        if (!Double.isFinite(read[1])) {
            throw new NonFiniteStepException(step + 1, "the gradients' norm is " + read[1]);
        }
        GradientClipping.clip(gradients, read[1], maxGradNorm);
        for (int i = 0; i < stacks.size(); i++) {
            ParameterStack stack = stacks.get(i);
            optimizer.update(stack, gradients.get(i), stack.learningRate() * learningRateFactor);
        }
        return value;
    }
}
