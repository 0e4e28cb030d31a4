package org.routelab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ScalarsTest {
    @Test
    void scalarFactorsSurviveGarbageCollectionBeforeBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, 2f, 3f});
            x.setRequiresGradient(true);
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray input = x.mul(step.create(1f)); // an activation owned by the step scope
                NDArray y = Scalars.mul(Scalars.add(input, 5f), 3f).sum();
                for (int i = 0; i < 5; i++) {
                    byte[][] garbage = new byte[64][];
                    for (int j = 0; j < garbage.length; j++) {
                        garbage[j] = new byte[1 << 16];
                    }
                    System.gc();
                }
                gc.backward(y);
            }
            try (NDArray g = x.getGradient()) {
                assertArrayEquals(new float[] {3f, 3f, 3f}, g.toFloatArray());
            }
        }
    }
}
