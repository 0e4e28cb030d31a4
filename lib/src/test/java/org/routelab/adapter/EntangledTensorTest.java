package org.routelab.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.routelab.testing.Kronecker.kron;
import static org.routelab.testing.Kronecker.layerNorm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.routelab.nn.RandomStream;

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
    void orderTwoNormalisesItsOneProduct() {
        assertBuildMatches(2, 3, 9, 9, leaves -> layerNorm(kron(leaves[0], leaves[1])));
    }

    @Test
    void orderFourNormalisesThePairsButNotTheirProduct() {
        // LN(l1 x l2) x LN(l3 x l4): a left fold normalising after every product differs from it
        assertBuildMatches(4, 2, 14, 16,
                leaves -> kron(layerNorm(kron(leaves[0], leaves[1])), layerNorm(kron(leaves[2], leaves[3]))));
    }

    @Test
    void orderEightMultipliesFourNormalisedPairsWithoutFurtherNormalisation() {
        assertBuildMatches(8, 2, 200, 256, leaves -> kron(
                kron(layerNorm(kron(leaves[0], leaves[1])), layerNorm(kron(leaves[2], leaves[3]))),
                kron(layerNorm(kron(leaves[4], leaves[5])), layerNorm(kron(leaves[6], leaves[7])))));
    }

    @Test
    void oddOrdersCarryTheLeftOverLeafUnnormalised() {
        assertBuildMatches(3, 3, 20, 27, leaves -> kron(layerNorm(kron(leaves[0], leaves[1])), leaves[2]));
        assertBuildMatches(1, 5, 4, 5, leaves -> leaves[0]);
    }

    @Test
    void leavesFollowTheReferenceScaleAtEveryOrder() {
        // sqrt(1/3) / sqrt(d_in), not / d_in^(1/N): the two agree at order 2 only
        int fanIn = 64;
        double bound = Math.sqrt(1.0 / 3.0) / Math.sqrt(fanIn);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int order : new int[] {2, 4}) {
                NDArray leaves = EntangledTensor.randomLeaves(m, fanIn, 48, 4, 8, order, RandomStream.of(order), DataType.FLOAT32);
                assertEquals(new Shape(order, 8, 4, EntangledTensor.leafSize(48, order)), leaves.getShape());
                double max = leaves.abs().max().getFloat();
                assertTrue(max <= bound && max > 0.9 * bound, "order " + order + ": max |leaf| " + max);
            }
        }
    }

    @Test
    void xavierLeavesUseTheWholeTensorsFans() {
        // PyTorch's xavier_uniform_ on [N, R, r, l]: fan_in = R r l, fan_out = N r l
        int order = 2;
        int tensorRank = 8;
        int rank = 4;
        int d = 48;
        int leaf = EntangledTensor.leafSize(d, order);
        double bound = Math.sqrt(6.0 / ((tensorRank + order) * rank * leaf));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray leaves = EntangledTensor.xavierLeaves(m, d, rank, tensorRank, order, RandomStream.of(5), DataType.FLOAT32);
            assertEquals(new Shape(order, tensorRank, rank, leaf), leaves.getShape());
            double max = leaves.abs().max().getFloat();
            assertTrue(max <= bound && max > 0.9 * bound, "max |leaf| " + max + ", bound " + bound);
        }
    }

    /**
     * Checks {@code build} and {@code buildColumns} (the same products from transposed leaves, transposed)
     * against an explicit construction, for two sets of random leaves of rank 2.
     *
     * @param order the tensor order
     * @param leaf the leaf size
     * @param d the truncated size
     * @param full the untruncated size {@code leaf^order}
     * @param product the explicit construction: leaves {@code [order][rank][leaf]} to {@code [rank][full]}
     */
    private static void assertBuildMatches(int order, int leaf, int d, int full,
            Function<double[][][], double[][]> product) {
        int sets = 2;
        int rank = 2;
        float[] values = new float[order * sets * rank * leaf];
        Random rnd = new Random(order);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray leaves = m.create(values, new Shape(order, sets, rank, leaf));
            float[] built = EntangledTensor.build(leaves, d).toFloatArray();
            assertEquals(sets * rank * d, built.length);
            // by columns, transposed back: a scale of 3 must come out as a factor of 3
            NDArray columns = EntangledTensor.buildColumns(leaves.transpose(0, 1, 3, 2), d, 3f);
            assertEquals(new Shape(sets, d, rank), columns.getShape());
            float[] byColumns = columns.transpose(0, 2, 1).div(3f).toFloatArray();
            for (int p = 0; p < sets; p++) {
                double[][][] set = new double[order][rank][];
                for (int i = 0; i < order; i++) {
                    for (int r = 0; r < rank; r++) {
                        set[i][r] = leafOf(values, i, p, r, sets, rank, leaf);
                    }
                }
                double[][] expectedRows = product.apply(set);
                assertEquals(full, expectedRows[0].length);
                float[] expected = new float[rank * d];
                for (int r = 0; r < rank; r++) {
                    for (int j = 0; j < d; j++) {
                        expected[r * d + j] = (float) expectedRows[r][j];
                    }
                }
                float[] actual = java.util.Arrays.copyOfRange(built, p * rank * d, (p + 1) * rank * d);
                assertArrayEquals(expected, actual, 2e-3f);
                assertArrayEquals(expected, java.util.Arrays.copyOfRange(byColumns, p * rank * d, (p + 1) * rank * d),
                        2e-3f, "by columns");
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
}
