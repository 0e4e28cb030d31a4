package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.EntangledTensor;
import org.routelab.adapter.FactorBatches;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.RouterBank;
import org.routelab.routing.RouterOptions;
import org.routelab.routing.TaskRouter;

/**
 * TLoRA, TensorPoly-I and TensorPoly-II against their definitions written example by example: every
 * example's factors built on their own (leaves mixed with its weights, row-wise Kronecker products,
 * a layer normalisation of each pair of leaves over the whole {@code [r, l^2]} matrix, truncation),
 * then {@code delta = x A^T B / r}. The adapters' batched code must give the same deltas and the same
 * gradients of every leaf, router logit and input, in a pass where each adapter computes alone and in
 * the next, where adapters of one size compute together; at tensor orders 1 to 4, with truncation,
 * at rank one and above, on mixed-task and single-task batches.
 */
class TensorMethodsReferenceTest {
    private static final int TASKS = 4;
    private static final float TOLERANCE = 1e-5f;

    @ParameterizedTest
    @CsvSource({
        "tlora, 10, 7, 3, 2, 2", "tlora, 16, 16, 2, 3, 4", "tlora, 9, 8, 2, 2, 3", "tlora, 6, 5, 1, 2, 1",
        "tlora, 10, 7, 3, 1, 2",
        "tensorpoly-1, 10, 7, 3, 2, 2", "tensorpoly-1, 16, 16, 2, 3, 4", "tensorpoly-1, 9, 8, 2, 2, 3",
        "tensorpoly-1, 6, 5, 1, 2, 2", "tensorpoly-2, 10, 7, 3, 2, 2", "tensorpoly-2, 16, 16, 2, 3, 4",
        "tensorpoly-2, 9, 8, 2, 2, 3", "tensorpoly-2, 6, 5, 1, 2, 2", "tensorpoly-2, 6, 5, 2, 3, 1"})
    void batchedCodeEqualsTheExampleByExampleDefinition(String method, int in, int out, int rank, int tensorRank,
            int order) {
        for (long[] tasks : new long[][] {{2, 0, 3, 2, 1}, {1, 1, 1, 1, 1}}) {
            try (NDManager m = NDManager.newBaseManager()) {
                RouterBank bank = new RouterBank();
                FactorBatches batches = new FactorBatches();
                List<Adapter> adapters = new ArrayList<>();
                // three adapters of one size (computed together from the second pass) and one of another
                for (int i = 0; i < 4; i++) {
                    int d = i < 3 ? in : in + 3;
                    adapters.add(adapter(method, m, bank, batches, d, out, rank, tensorRank, order, i));
                }
                Random random = new Random(7);
                List<NDArray> inputs = new ArrayList<>();
                List<NDArray> weights = new ArrayList<>();
                for (Adapter a : adapters) {
                    int d = a == adapters.get(3) ? in + 3 : in;
                    // a 4-d input for one adapter: the product must keep the leading axes
                    Shape shape = a == adapters.get(1) ? new Shape(tasks.length, 2, 2, d) : new Shape(tasks.length, 3, d);
                    NDArray x = gaussian(m, random, shape);
                    x.setRequiresGradient(true);
                    inputs.add(x);
                    weights.add(gaussian(m, random, outputShape(shape, out)));
                }
                Outcome expected = run(adapters, inputs, weights, tasks, m, true);
                for (int pass = 0; pass < 2; pass++) {
                    Outcome actual = run(adapters, inputs, weights, tasks, m, false);
                    TinyMethods.assertClose(expected.values, actual.values, TOLERANCE,
                            method + " pass " + pass + " tasks " + tasks[1] + ": values");
                    TinyMethods.assertClose(expected.gradients, actual.gradients, TOLERANCE,
                            method + " pass " + pass + " tasks " + tasks[1] + ": gradients");
                }
            }
        }
    }

    /** The deltas of every adapter and the gradients of every parameter and input, flattened. */
    private record Outcome(float[] values, float[] gradients) {}

    private static Outcome run(List<Adapter> adapters, List<NDArray> inputs, List<NDArray> weights, long[] tasks,
            NDManager m, boolean reference) {
        List<NDArray> trained = new ArrayList<>();
        for (Adapter a : adapters) {
            for (Parameter p : a.namedParameters().values()) {
                trained.add(p.array());
            }
        }
        trained.addAll(inputs);
        List<float[]> values = new ArrayList<>();
        try (NDManager scope = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ForwardContext ctx = ForwardContext.eval().withTaskIds(tasks);
            NDArray loss = null;
            for (int i = 0; i < adapters.size(); i++) {
                NDArray x = inputs.get(i).reshape(inputs.get(i).getShape());
                x.attach(scope);
                long out = weights.get(i).getShape().get(weights.get(i).getShape().dimension() - 1);
                NDArray delta = reference ? definition(adapters.get(i), x, out, ctx) : adapters.get(i).delta(x, ctx);
                assertEquals(weights.get(i).getShape(), delta.getShape());
                values.add(delta.toFloatArray());
                NDArray term = delta.mul(weights.get(i)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
        List<float[]> gradients = new ArrayList<>();
        for (NDArray t : trained) {
            try (NDArray g = t.getGradient()) {
                gradients.add(g.toFloatArray());
                g.subi(g);
            }
        }
        return new Outcome(TinyMethods.concat(values), TinyMethods.concat(gradients));
    }

    /** The method's delta for {@code x [B, ..., d_in]}, one example at a time. */
    private static NDArray definition(Adapter adapter, NDArray x, long out, ForwardContext ctx) {
        NDManager scope = x.getManager();
        NDArray leavesA = view(adapter.parameter("leaves_a").array(), scope);
        NDArray leavesB = view(adapter.parameter("leaves_b").array(), scope);
        Shape s = leavesA.getShape();
        int order = (int) s.get(0);
        int tensorRank = (int) s.get(1);
        int rank = (int) s.get(2);
        long in = x.getShape().get(x.getShape().dimension() - 1);
        int batch = (int) x.getShape().get(0);
        NDArray w = adapter instanceof RoutedAdapter r ? r.router().weights(ctx, scope, batch) : null;
        List<NDArray> deltas = new ArrayList<>();
        for (int e = 0; e < batch; e++) {
            NDArray we = w == null ? null : w.get(w.getShape().get(0) == 1 ? 0 : e); // [groups, R]
            NDArray a = factor(adapter, leavesA, we, order, tensorRank, in);
            NDArray b = factor(adapter, leavesB, we, order, tensorRank, out);
            NDArray xe = x.get(e);
            deltas.add(Scalars.mul(xe.matMul(a.transpose()).matMul(b), 1f / rank));
        }
        NDArray stacked = NDArrays.stack(new NDList(deltas));
        long[] shape = x.getShape().getShape().clone();
        shape[shape.length - 1] = out;
        return stacked.reshape(new Shape(shape));
    }

    /** One example's factor {@code [r, d]} from leaves {@code [N, R, r, l]} and its weights {@code [groups, R]}. */
    private static NDArray factor(Adapter adapter, NDArray leaves, NDArray w, int order, int tensorRank, long d) {
        if (adapter instanceof TensorPolyII) {
            List<NDArray> mixed = new ArrayList<>();
            for (int i = 0; i < order; i++) {
                NDArray leaf = null;
                for (int k = 0; k < tensorRank; k++) {
                    NDArray term = leaves.get(i).get(k).mul(w.get(i).get(k));
                    leaf = leaf == null ? term : leaf.add(term);
                }
                mixed.add(leaf);
            }
            return product(mixed, d);
        }
        NDArray sum = null;
        for (int k = 0; k < tensorRank; k++) {
            List<NDArray> component = new ArrayList<>();
            for (int i = 0; i < order; i++) {
                component.add(leaves.get(i).get(k));
            }
            NDArray built = product(component, d);
            NDArray term = w == null ? built : built.mul(w.get(0).get(k));
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }

    /** {@code LN(l1 x l2) x LN(l3 x l4) ...} of leaves {@code [r, l]} (a left-over leaf joins as it is), truncated. */
    private static NDArray product(List<NDArray> leaves, long d) {
        List<NDArray> level = leaves;
        boolean pairsOfLeaves = true;
        while (level.size() > 1) {
            List<NDArray> next = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                NDArray p = rowKron(level.get(i), level.get(i + 1));
                next.add(pairsOfLeaves ? layerNorm(p) : p);
            }
            if (level.size() % 2 == 1) {
                next.add(level.get(level.size() - 1));
            }
            level = next;
            pairsOfLeaves = false;
        }
        NDArray full = level.get(0);
        return full.get(new NDIndex(":, :{}", d));
    }

    private static NDArray rowKron(NDArray u, NDArray v) {
        List<NDArray> rows = new ArrayList<>();
        for (int i = 0; i < u.getShape().get(0); i++) {
            rows.add(u.get(i).reshape(-1, 1).mul(v.get(i).reshape(1, -1)).reshape(-1));
        }
        return NDArrays.stack(new NDList(rows));
    }

    private static NDArray layerNorm(NDArray p) {
        NDManager scope = p.getManager();
        return LayerNorm.layerNorm(p, p.getShape(), scope.ones(p.getShape()), scope.zeros(p.getShape()),
                EntangledTensor.LAYER_NORM_EPS).singletonOrThrow();
    }

    private static Adapter adapter(String method, NDManager m, RouterBank bank, FactorBatches batches, int in,
            int out, int rank, int tensorRank, int order, int seed) {
        RandomStream random = RandomStream.of(seed);
        DataType f32 = DataType.FLOAT32;
        Adapter a = switch (method) {
            case "tlora" -> new TLora(m, in, out, rank, tensorRank, order, random, f32, batches);
            case "tensorpoly-1" -> new TensorPolyI(m, in, out, rank, tensorRank, order,
                    new TaskRouter(bank, m, TASKS, 1, tensorRank, RouterOptions.DEFAULT, random, f32), true, random, f32);
            case "tensorpoly-2" -> new TensorPolyII(m, in, out, rank, tensorRank, order,
                    new TaskRouter(bank, m, TASKS, order, tensorRank, RouterOptions.DEFAULT, random, f32), true, random, f32,
                    batches);
            default -> throw new IllegalArgumentException(method);
        };
        for (Parameter p : a.namedParameters().values()) {
            if (p.shape().dimension() == 2) {
                // logits far from their near-zero start, so that routing matters
                p.set(m.randomNormal(0f, 1f, p.shape(), f32));
            }
        }
        a.setTrainable(true);
        return a;
    }

    private static NDArray view(NDArray p, NDManager scope) {
        NDArray v = p.reshape(p.getShape());
        v.attach(scope);
        return v;
    }

    private static Shape outputShape(Shape in, int out) {
        long[] s = in.getShape().clone();
        s[s.length - 1] = out;
        return new Shape(s);
    }

    private static NDArray gaussian(NDManager m, Random random, Shape shape) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return m.create(v, shape);
    }
}
