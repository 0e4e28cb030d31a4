package org.routelab.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.routelab.nn.Parameter;

/**
 * An optimiser that updates parameters in place from their gradients, keeping its per-parameter
 * state (moments, step counts) in its own arrays so that checkpoints can save and restore it.
 */
public interface Optimizer extends AutoCloseable {
    /**
     * Applies one update to a parameter.
     *
     * @param name the parameter's path (the key of its state)
     * @param parameter the parameter, updated in place
     * @param gradient its gradient (read only)
     * @param learningRate the learning rate for this step
     */
    void update(String name, Parameter parameter, NDArray gradient, float learningRate);

    /**
     * Returns the state to checkpoint, as named arrays (e.g. {@code name/exp_avg}); owned by the
     * optimiser.
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
