package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records one step's autograd graph on the calling thread and back-propagates it. It does what DJL's
 * {@code PtGradientCollector} does, without its process-wide "one collector at a time" flag: PyTorch's
 * grad mode is per thread, so experiments on several threads of one JVM (sweeps) can train side by side.
 */
final class StepGradients implements AutoCloseable {
    private final boolean wasRecording;

    /** Starts recording on this thread. */
    StepGradients() {
        wasRecording = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /**
     * Back-propagates a scalar loss into the gradients of the arrays that require them.
     *
     * @param loss the loss, recorded since this object was made
     */
    void backward(NDArray loss) {
        NDArray ones = loss.getManager().ones(loss.getShape(), loss.getDataType()).toDevice(loss.getDevice(), false);
        JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }

    /** Stops recording on this thread (unless it recorded before). */
    @Override
    public void close() {
        if (!wasRecording) {
            JniUtils.setGradMode(false);
        }
    }
}
