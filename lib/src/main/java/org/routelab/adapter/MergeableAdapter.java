package org.routelab.adapter;

import ai.djl.ndarray.NDArray;

/** An adapter whose effect is a fixed weight update, so it can be folded into the frozen weight. */
public interface MergeableAdapter {
    /**
     * Returns the equivalent weight update in the frozen weight's layout.
     *
     * @return {@code delta W} of shape {@code [d_out, d_in]}; the caller closes it
     */
    NDArray deltaWeight();
}
