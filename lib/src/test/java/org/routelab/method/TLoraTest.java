package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.routelab.testing.Kronecker.kron;
import static org.routelab.testing.Kronecker.layerNorm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.routelab.adapter.FactorBatches;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

/**
 * TLoRA at tensor order 4, checked against the reference's construction written out, and TLoRA
 * adapters built together equal to the same adapters built alone.
 */
class TLoraTest {
    private static final int D = 16;
    private static final int RANK = 2;
    private static final int TENSOR_RANK = 2;
    private static final int ORDER = 4;
    private static final Supplier<ForwardContext> TRAINING_PASS = () -> ForwardContext.train(RandomStream.of(0)).newPass();

    @Test
    void orderFourLayerIsTheSumOfNormalisedPairProducts() {
        try (NDManager m = NDManager.newBaseManager()) {
            TLora tlora = new TLora(m, D, D, RANK, TENSOR_RANK, ORDER, RandomStream.of(11), DataType.FLOAT32);
            float[] x = new float[3 * D];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(0.7 * i);
            }
            double[][] a = factor(tlora.parameter("leaves_a").array());
            double[][] b = factor(tlora.parameter("leaves_b").array());
            float[] expected = new float[3 * D];
            for (int t = 0; t < 3; t++) {
                for (int o = 0; o < D; o++) {
                    double sum = 0;
                    for (int k = 0; k < RANK; k++) {
                        double xa = 0;
                        for (int i = 0; i < D; i++) {
                            xa += x[t * D + i] * a[k][i];
                        }
                        sum += xa * b[k][o];
                    }
                    expected[t * D + o] = (float) (sum / RANK);
                }
            }
            try (NDManager scope = m.newSubManager()) {
                NDArray in = scope.create(x, new Shape(1, 3, D));
                float[] actual = tlora.delta(in, ForwardContext.eval()).toFloatArray();
                assertArrayEquals(expected, actual, 1e-3f);
            }
        }
    }

    @Test
    void leavesStartWithinTheReferenceBoundAtOrderFour() {
        double bound = Math.sqrt(1.0 / 3.0) / Math.sqrt(D);
        try (NDManager m = NDManager.newBaseManager()) {
            TLora tlora = new TLora(m, D, D, RANK, 4, ORDER, RandomStream.of(3), DataType.FLOAT32);
            for (String leaves : new String[] {"leaves_a", "leaves_b"}) {
                double max = tlora.parameter(leaves).array().abs().max().getFloat();
                assertTrue(max <= bound && max > 0.8 * bound, leaves + ": max |leaf| " + max + ", bound " + bound);
            }
        }
    }

    /**
     * Adapters of one size that build their factors together in a training pass (too large to batch
     * more than two at once: batches are cut) give each adapter the deltas and the gradients of its
     * leaves and input that its twin, building alone, gets: when all ask, when some skip a pass and
     * ask in another order, when one was closed, and when a newcomer of another size joins.
     */
    @Test
    void adaptersBuiltTogetherEqualAdaptersBuiltAlone() {
        // R r l^2 = 50 * 20 * 10^2 = 100,000 elements per adapter: two per batch
        int in = 100;
        int out = 90;
        try (NDManager m = NDManager.newBaseManager(); NDManager closed = m.newSubManager()) {
            FactorBatches batches = new FactorBatches();
            List<TLora> together = new ArrayList<>();
            List<TLora> alone = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                NDManager owner = i == 2 ? closed : m;
                int d = i < 5 ? in : in + 5; // the last is of another size
                together.add(new TLora(owner, d, out, 20, 50, 2, RandomStream.of(i), DataType.FLOAT32, batches));
                alone.add(new TLora(m, d, out, 20, 50, 2, RandomStream.of(i), DataType.FLOAT32));
            }
            together.forEach(a -> a.setTrainable(true));
            alone.forEach(a -> a.setTrainable(true));
            RandomStream random = RandomStream.of(5);
            List<NDArray> inputs = new ArrayList<>();
            List<NDArray> weights = new ArrayList<>();
            for (TLora a : together) {
                int d = a == together.get(5) ? in + 5 : in;
                NDArray x = random.normal(m, 0f, 1f, new Shape(3, 4, d), DataType.FLOAT32);
                x.setRequiresGradient(true);
                inputs.add(x);
                weights.add(random.normal(m, 0f, 1f, new Shape(3, 4, out), DataType.FLOAT32));
            }
            List<List<Integer>> passes = List.of(List.of(0, 1, 2, 3, 4), List.of(4, 1, 3), List.of(0, 1, 2, 3, 4),
                    List.of(3, 0, 1, 4, 5), List.of(5, 3, 0, 1, 4));
            for (int pass = 0; pass < passes.size(); pass++) {
                List<Integer> asked = passes.get(pass);
                if (pass == 3) {
                    closed.close(); // adapter 2 built with the others in the previous pass
                }
                float[][] expected = TinyMethods.pass(alone, inputs, weights, asked, m, TRAINING_PASS);
                float[][] actual = TinyMethods.pass(together, inputs, weights, asked, m, TRAINING_PASS);
                TinyMethods.assertClose(expected[0], actual[0], 1e-5f, "pass " + pass + " " + asked + ": deltas");
                TinyMethods.assertClose(expected[1], actual[1], 1e-5f, "pass " + pass + " " + asked + ": gradients");
            }
        }
    }

    /** {@code sum_k LN(l1k x l2k) x LN(l3k x l4k)} of leaves {@code [4, R, r, 2]}: {@code [r][16]}. */
    private static double[][] factor(NDArray leaves) {
        float[] v = leaves.toFloatArray();
        int leaf = (int) leaves.getShape().get(3);
        double[][] sum = new double[RANK][D];
        for (int k = 0; k < TENSOR_RANK; k++) {
            double[][][] l = new double[ORDER][RANK][leaf];
            for (int i = 0; i < ORDER; i++) {
                for (int r = 0; r < RANK; r++) {
                    for (int j = 0; j < leaf; j++) {
                        l[i][r][j] = v[((i * TENSOR_RANK + k) * RANK + r) * leaf + j];
                    }
                }
            }
            double[][] product = kron(layerNorm(kron(l[0], l[1])), layerNorm(kron(l[2], l[3])));
            for (int r = 0; r < RANK; r++) {
                for (int j = 0; j < D; j++) {
                    sum[r][j] += product[r][j];
                }
            }
        }
        return sum;
    }
}
