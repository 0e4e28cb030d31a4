package org.routelab.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EntangledTensorTest {
    @Test
    void leafSizeIsTheSmallestThatSpansD() {
        assertEquals(46, EntangledTensor.leafSize(2048, 2));
        assertEquals(72, EntangledTensor.leafSize(5120, 2));
        assertEquals(7, EntangledTensor.leafSize(2048, 4));
        assertEquals(9, EntangledTensor.leafSize(5120, 4));
        assertEquals(8, EntangledTensor.leafSize(512, 3));
        assertEquals(5, EntangledTensor.leafSize(625, 4));
        assertEquals(16, EntangledTensor.leafSize(16, 1));
    }

    @Test
    void buildEqualsExplicitOuterProductsNormalisedAndTruncated() {
        int order = 3;
        int sets = 2;
        int rank = 2;
        int leaf = 3;
        int d = 20;
        float[] values = new float[order * sets * rank * leaf];
        Random rnd = new Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray leaves = m.create(values, new Shape(order, sets, rank, leaf));
            float[] built = EntangledTensor.build(leaves, d).toFloatArray();
            assertEquals(sets * rank * d, built.length);
            for (int p = 0; p < sets; p++) {
                double[][] acc = new double[rank][];
                for (int r = 0; r < rank; r++) {
                    acc[r] = leafOf(values, 0, p, r, sets, rank, leaf);
                }
                for (int i = 1; i < order; i++) {
                    for (int r = 0; r < rank; r++) {
                        acc[r] = outer(acc[r], leafOf(values, i, p, r, sets, rank, leaf));
                    }
                    layerNorm(acc);
                }
                float[] expected = new float[rank * d];
                for (int r = 0; r < rank; r++) {
                    for (int j = 0; j < d; j++) {
                        expected[r * d + j] = (float) acc[r][j];
                    }
                }
                float[] actual = java.util.Arrays.copyOfRange(built, p * rank * d, (p + 1) * rank * d);
                assertArrayEquals(expected, actual, 1e-4f);
            }
        }
    }

    private static double[] leafOf(float[] v, int i, int p, int r, int sets, int rank, int leaf) {
        double[] out = new double[leaf];
        for (int j = 0; j < leaf; j++) {
            out[j] = v[((i * sets + p) * rank + r) * leaf + j];
        }
        return out;
    }

    /** The Kronecker product of two vectors, written out: index i * |b| + j holds a_i b_j. */
    private static double[] outer(double[] a, double[] b) {
        double[] out = new double[a.length * b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                out[i * b.length + j] = a[i] * b[j];
            }
        }
        return out;
    }

    private static void layerNorm(double[][] rows) {
        double sum = 0;
        int n = 0;
        for (double[] row : rows) {
            for (double x : row) {
                sum += x;
                n++;
            }
        }
        double mean = sum / n;
        double var = 0;
        for (double[] row : rows) {
            for (double x : row) {
                var += (x - mean) * (x - mean);
            }
        }
        double std = Math.sqrt(var / n + EntangledTensor.LAYER_NORM_EPS);
        for (double[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (row[j] - mean) / std;
            }
        }
    }
}
