package org.routelab.backbone.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {
    private static LlamaConfig config(int headDim, double theta, String ropeScaling) {
        LlamaConfig.Builder b = LlamaConfig.builder("llama").set("vocab_size", 8).set("hidden_size", 2 * headDim)
                .set("num_attention_heads", 2).set("intermediate_size", 4).set("num_hidden_layers", 1)
                .set("rope_theta", theta);
        if (ropeScaling != null) {
            b.setJson("rope_scaling", ropeScaling);
        }
        return b.build();
    }

    /** Head size 4, theta 100: frequencies 1 and 1/10; position 2 turns pair (x0, x2) by 2 and (x1, x3) by 0.2 radians. */
    @Test
    void rotatesDimensionPairsByHandComputedAngles() {
        RotaryEmbedding rope = new RotaryEmbedding(config(4, 100, null));
        assertArrayEquals(new float[] {1f, 0.1f}, RotaryEmbedding.inverseFrequencies(4, 100,
                LlamaConfig.RopeScaling.NONE), 0f);
        try (NDManager m = NDManager.newBaseManager()) {
            RotaryEmbedding.Angles angles = rope.angles(m, new int[] {2}, 1, DataType.FLOAT32);
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 1, 4));
            double c0 = Math.cos(2);
            double s0 = Math.sin(2);
            double c1 = Math.cos(0.2);
            double s1 = Math.sin(0.2);
            float[] expected = {
                (float) (1 * c0 - 3 * s0), (float) (2 * c1 - 4 * s1), (float) (3 * c0 + 1 * s0), (float) (4 * c1 + 2 * s1)};
            assertArrayEquals(expected, angles.rotate(x).toFloatArray(), 1e-6f);
            // Position 0 is the identity.
            assertArrayEquals(new float[] {1, 2, 3, 4},
                    rope.angles(m, new int[] {0}, 1, DataType.FLOAT32).rotate(x).toFloatArray(), 0f);
        }
    }

    /** Query-key products depend on the distance only: (q at 7, k at 3) equals (q at 14, k at 10). */
    @Test
    void scoresDependOnRelativePositionsOnly() {
        RotaryEmbedding rope = new RotaryEmbedding(config(8, 10000, null));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.create(new float[] {0.3f, -1.2f, 0.7f, 2.0f, -0.4f, 1.1f, 0.5f, -0.9f}, new Shape(1, 1, 1, 8));
            NDArray k = m.create(new float[] {1.5f, 0.2f, -0.6f, 0.8f, 1.0f, -1.3f, 0.4f, 0.1f}, new Shape(1, 1, 1, 8));
            // offsets per row: rows 0 and 1 read positions 7 and 14 in one call
            RotaryEmbedding.Angles qa = rope.angles(m, new int[] {7, 14}, 1, DataType.FLOAT32);
            RotaryEmbedding.Angles ka = rope.angles(m, new int[] {3, 10}, 1, DataType.FLOAT32);
            assertEquals(new Shape(2, 1, 1, 8), qa.cos().getShape());
            float[] dots = qa.rotate(q).mul(ka.rotate(k)).sum(new int[] {1, 2, 3}).toFloatArray();
            assertEquals(dots[0], dots[1], 1e-5f);
            RotaryEmbedding.Angles other = rope.angles(m, new int[] {4}, 1, DataType.FLOAT32);
            float far = other.rotate(q).mul(ka.rotate(k).get(0)).sum().getFloat();
            assertNotEquals(dots[0], far, 1e-3f);
        }
    }

    @Test
    void linearAndLlama3ScalingRescaleFrequencies() {
        float[] plain = RotaryEmbedding.inverseFrequencies(8, 10000, LlamaConfig.RopeScaling.NONE);
        assertArrayEquals(new float[] {1f, 0.1f, 0.01f, 0.001f}, plain, 1e-9f);
        float[] linear = RotaryEmbedding.inverseFrequencies(8, 10000, config(8, 10000,
                "{\"rope_type\": \"linear\", \"factor\": 4.0}").ropeScaling());
        assertArrayEquals(new float[] {0.25f, 0.025f, 0.0025f, 0.00025f}, linear, 1e-9f);
        // llama3 with original context 1000, low 1, high 4: wavelengths 2pi (kept: below 250), 62.8 (kept),
        // 628 (between 250 and 1000: smoothed) and 6283 (beyond 1000: divided by the factor 8).
        float[] l3 = RotaryEmbedding.inverseFrequencies(8, 10000, config(8, 10000, "{\"rope_type\": \"llama3\","
                + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 1000}").ropeScaling());
        double smooth = (1000 / (2 * Math.PI / 0.01) - 1) / (4 - 1);
        assertArrayEquals(new float[] {1f, 0.1f, (float) ((1 - smooth) * 0.01 / 8 + smooth * 0.01), 0.001f / 8}, l3,
                1e-8f);
    }
}
