package org.routelab.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * An optimiser that updates parameters in place from their gradients, a {@link ParameterStack} at a
 * time, keeping its state (moments, step counts) in its own arrays so that checkpoints can save and
 * restore it per parameter.
 */
public interface Optimizer extends AutoCloseable {
    /**
     * Applies one update to every member of a stack.
     *
     * @param stack the parameters, updated in place
     * @param gradients their gradients stacked {@code [members, ...]} (read only)
     * @param learningRate the learning rate for this step
     */
    void update(ParameterStack stack, NDArray gradients, float learningRate);

    /**
     * Returns the state to checkpoint, as named arrays (e.g. {@code name/exp_avg}); owned by the
     * optimiser and valid until the next call.
     *
     * @return the state arrays
     */
    Map<String, NDArray> state();

    /**
     * Restores state saved by {@link #state()}.
     *
     * @param state the saved arrays; copied into the optimiser's own arrays
     */
    void loadState(Map<String, NDArray> state);

    /** Frees the state arrays. */
    @Override
    void close();
}
