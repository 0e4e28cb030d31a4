package org.routelab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class RandomStreamTest {
    @Test
    void dropoutMaskHoldsZeroOrTheScaleAtTheRateAndRepeatsWithItsSeed() {
        try (NDManager m = NDManager.newBaseManager()) {
            int n = 200_001;
            float[] mask = RandomStream.of(7, 3).dropoutMask(m, new Shape(n), 0.1f, DataType.FLOAT32).toFloatArray();
            int dropped = 0;
            for (float v : mask) {
                assertTrue(v == 0f || v == 1f / 0.9f, "mask value " + v);
                dropped += v == 0f ? 1 : 0;
            }
            // Binomial(n, 0.1): standard deviation 134; five of them either side.
            assertEquals(0.1 * n, dropped, 5 * Math.sqrt(n * 0.1 * 0.9));
            assertArrayEquals(mask, RandomStream.of(7, 3).dropoutMask(m, new Shape(n), 0.1f, DataType.FLOAT32).toFloatArray());
        }
    }

    @Test
    void dropoutMultipliesByTheMaskOfTheSameDraw() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(1f, 65f).reshape(8, 8);
            float[] mask = RandomStream.of(1).dropoutMask(m, x.getShape(), 0.25f, DataType.FLOAT32).toFloatArray();
            float[] y = RandomStream.of(1).dropout(x, 0.25f).toFloatArray();
            for (int i = 0; i < y.length; i++) {
                assertEquals((i + 1) * mask[i], y[i], 0f);
            }
        }
    }

    @Test
    void drawsLargerThanTheScratchBufferContinueTheSameStream() {
        try (NDManager m = NDManager.newBaseManager()) {
            int large = (1 << 20) + 5;
            NDArray drawn = RandomStream.of(9).uniform(m, -1f, 1f, new Shape(large), DataType.FLOAT32);
            // the array owns its values: later draws through the same scratch buffer leave them alone
            RandomStream.of(10).uniform(m, -1f, 1f, new Shape(large), DataType.FLOAT32);
            float[] whole = drawn.toFloatArray();
            RandomStream parts = RandomStream.of(9);
            float[] head = parts.uniform(m, -1f, 1f, new Shape(1 << 20), DataType.FLOAT32).toFloatArray();
            float[] tail = parts.uniform(m, -1f, 1f, new Shape(5), DataType.FLOAT32).toFloatArray();
            for (int i = 0; i < head.length; i++) {
                assertEquals(head[i], whole[i], 0f);
            }
            for (int i = 0; i < tail.length; i++) {
                assertEquals(tail[i], whole[head.length + i], 0f);
            }
        }
    }

    /**
     * A uniform draw is the stream's doubles in order, {@code low + (high - low) u} rounded to float, where
     * {@code u} is the stream's next long's top 53 bits (SplittableRandom's nextDouble): below, within
     * and beyond one scratch buffer.
     */
    @Test
    void uniformValuesAreTheStreamsDoublesInOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int n : new int[] {7, 1 << 20, (1 << 20) + 3}) {
                float[] drawn = RandomStream.of(4, n).uniform(m, 1e-6f, 1f - 1e-6f, new Shape(n), DataType.FLOAT32)
                        .toFloatArray();
                RandomStream longs = RandomStream.of(4, n);
                double width = (double) (1f - 1e-6f) - 1e-6f;
                for (int i = 0; i < n; i++) {
                    float expected = (float) (1e-6f + width * ((longs.nextLong() >>> 11) * 0x1.0p-53));
                    if (expected != drawn[i]) {
                        assertEquals(expected, drawn[i], 0f, "value " + i + " of " + n);
                    }
                }
            }
        }
    }
}
