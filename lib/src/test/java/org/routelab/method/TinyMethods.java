package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.routelab.adapter.Adapter;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

/** Tiny routed models and equal-length batches for the method tests. */
final class TinyMethods {
    static final int TASKS = 3;

    private TinyMethods() {}

    /** Small sizes that fit the tiny T5 (d_model 16, d_ff 32): r 2, S 3, q 4, R 2, N 2, T 3, MoE-LoRA E 3. */
    static MethodConfig config(String method) {
        MethodConfig c = MethodConfig.defaults(method).withTasks(TASKS);
        Map<String, Integer> small = new LinkedHashMap<>();
        small.put("rank", 2);
        small.put("skills", 3);
        small.put("heads", 4);
        small.put("tensor_rank", 2);
        small.put("order", 2);
        small.put("experts", 3);
        for (Map.Entry<String, Integer> e : small.entrySet()) {
            if (c.toJson().has(e.getKey())) {
                c = c.with(e.getKey(), e.getValue());
            }
        }
        return c;
    }

    /** The names of the built-in methods (a parameter source). */
    static List<String> names() {
        return List.of("lora", "poly", "mhr", "tlora", "tensorpoly-1", "tensorpoly-2", "moe-lora", "orchmoe", "trex");
    }

    /** Returns whether a method routes by task id. */
    static boolean routedByTask(String method) {
        return MethodConfig.defaults(method).routing().taskIds();
    }

    /** A tiny v1.1 model with the method injected; the seed fixes the base and the adapters. */
    static T5Model model(NDManager m, MethodConfig config, int seed) {
        T5Model model = TinyT5.model(m, true, seed);
        config.inject(model, RandomStream.of(seed), DataType.FLOAT32);
        return model;
    }

    /** Gives zero-initialised up-projections random values, so that every parameter has a gradient. */
    static void randomiseUpFactors(T5Model model, NDManager m) {
        RandomStream random = RandomStream.of(1);
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getKey().endsWith("lora_b")) {
                e.getValue().set(random.normal(m, 0f, 0.3f, e.getValue().shape(), DataType.FLOAT32));
            }
        }
    }

    /** Copies every parameter value of {@code from} into the parameter of the same name in {@code to}. */
    static void copyParameters(T5Model from, T5Model to, NDManager m) {
        Map<String, Parameter> target = to.namedParameters();
        from.namedParameters().forEach((name, p) -> target.get(name).set(p.array().duplicate()));
    }

    /** {@code n} examples of equal lengths (no padding), different contents. */
    static Seq2SeqBatch batch(NDManager m, int n) {
        List<long[]> in = new ArrayList<>();
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in.add(new long[] {5 + i, 6 + 2 * i, 7, 8 + i, 1});
            out.add(new long[] {12 + i, 13 + 2 * i, 1});
        }
        return Seq2SeqBatch.of(m, in, out, 0, 0);
    }

    /**
     * Deterministic T-REX priors: {@code rows x cells} affinities in [-1, 1].
     *
     * @param m where they are created
     * @param rows examples
     * @param cells {@code I*J}
     * @param seed the generator's seed
     * @return {@code [rows, cells]}
     */
    static NDArray priors(NDManager m, int rows, int cells, long seed) {
        Random random = new Random(seed);
        float[] v = new float[rows * cells];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2f * random.nextFloat() - 1f;
        }
        return m.create(v, new Shape(rows, cells));
    }

    /**
     * Returns a context for one pass of a task-free method over {@code rows} examples, without task
     * ids; T-REX gets deterministic priors.
     *
     * @param method the method
     * @param train whether the pass trains
     * @param m where the priors are created
     * @param rows the batch size
     * @return the context
     */
    static ForwardContext taskFree(String method, boolean train, NDManager m, int rows) {
        ForwardContext ctx = (train ? ForwardContext.train() : ForwardContext.eval()).newPass();
        int priorSize = MethodConfig.defaults(method).routing().priorSize();
        return priorSize > 0 ? ctx.withPriors(priors(m, rows, priorSize, 7)) : ctx;
    }

    /**
     * One backward pass: every parameter {@code trains} selects is trainable and gets a gradient; no other does.
     *
     * @param model the model
     * @param m the parent of the pass's scope
     * @param rows the batch size ({@link #batch})
     * @param ctx the pass's context
     * @param trains which parameters must train, by name
     */
    static void assertGradients(T5Model model, NDManager m, int rows, ForwardContext ctx, Predicate<String> trains) {
        try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(ctx.plusAuxiliaryLosses(model.loss(batch(step, rows), ctx)));
        }
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            NDArray a = e.getValue().array();
            boolean expected = trains.test(e.getKey());
            assertEquals(expected, e.getValue().isTrainable(), e.getKey());
            if (expected) {
                try (NDArray g = a.getGradient()) {
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                    g.subi(g);
                }
            } else {
                assertFalse(a.hasGradient(), "frozen parameter got a gradient: " + e.getKey());
            }
        }
    }

    /**
     * Runs one form of an adapter's update in a training pass and returns its values and its gradients
     * under the loss {@code sum(delta * weights)}: those of the input, then those of every parameter of
     * {@code adapter}, which are cleared afterwards (compare two forms of the same computation).
     *
     * @param adapter the adapter whose parameters' gradients are read (made trainable here)
     * @param x the input's values
     * @param shape the input's shape
     * @param weights {@code delta}'s weights in the loss
     * @param form computes {@code delta} from the input (in the input's scope)
     * @return {@code {values, gradients}}
     */
    static float[][] valuesAndGradients(Module adapter, float[] x, Shape shape, NDArray weights,
            Function<NDArray, NDArray> form) {
        adapter.setTrainable(true);
        try (NDManager scope = weights.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray in = scope.create(x, shape);
            in.setRequiresGradient(true);
            NDArray delta = form.apply(in);
            float[] values = delta.toFloatArray();
            gc.backward(delta.mul(weights).sum());
            List<float[]> gradients = new ArrayList<>();
            gradients.add(in.getGradient().toFloatArray());
            for (Parameter p : adapter.namedParameters().values()) {
                try (NDArray g = p.array().getGradient()) {
                    gradients.add(g.toFloatArray());
                    g.subi(g);
                }
            }
            return new float[][] {values, concat(gradients)};
        }
    }

    /**
     * A LoRA mixture as its papers write it, expert by expert: {@code sum_e w_e x A_e B_e}.
     *
     * @param mixture the adapter whose {@code lora_a [E, d_in, r]} and {@code lora_b [E, r, d_out]} are used
     * @param x the input {@code [B, L, d_in]}
     * @param weights each expert's weight per token or example, {@code [B, L or 1, E]}
     * @return {@code [B, L, d_out]}
     */
    static NDArray expertByExpert(Module mixture, NDArray x, NDArray weights) {
        NDArray a = mixture.parameter("lora_a").array();
        NDArray b = mixture.parameter("lora_b").array();
        NDArray delta = null;
        for (int e = 0; e < a.getShape().get(0); e++) {
            NDArray update = x.matMul(a.get(e)).matMul(b.get(e)).mul(weights.get(":, :, " + e + ":" + (e + 1)));
            delta = delta == null ? update : delta.add(update);
        }
        return delta;
    }

    /**
     * One training pass over some adapters (e.g. adapters that build shared values together, or their
     * twins that build alone): their deltas, and the gradients of their parameters and inputs under the
     * loss {@code sum_i sum(delta_i * weights_i)}, which are cleared afterwards.
     *
     * @param adapters the adapters
     * @param inputs each adapter's input (requiring gradients)
     * @param weights each adapter's delta's weights in the loss
     * @param asked the adapters the pass runs, in this order
     * @param m the parent of the pass's scope
     * @param newPass makes the pass's context
     * @return {@code {deltas, gradients}}, adapter after adapter in the order asked
     */
    static float[][] pass(List<? extends Adapter> adapters, List<NDArray> inputs, List<NDArray> weights,
            List<Integer> asked, NDManager m, Supplier<ForwardContext> newPass) {
        List<float[]> deltas = new ArrayList<>();
        List<float[]> gradients = new ArrayList<>();
        try (NDManager scope = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ForwardContext ctx = newPass.get();
            NDArray loss = null;
            for (int i : asked) {
                NDArray x = inputs.get(i).reshape(inputs.get(i).getShape());
                x.attach(scope);
                NDArray delta = adapters.get(i).delta(x, ctx);
                deltas.add(delta.toFloatArray());
                NDArray term = delta.mul(weights.get(i)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
        for (int i : asked) {
            List<NDArray> trained = new ArrayList<>();
            for (Parameter p : adapters.get(i).namedParameters().values()) {
                trained.add(p.array());
            }
            trained.add(inputs.get(i));
            for (NDArray t : trained) {
                try (NDArray g = t.getGradient()) {
                    gradients.add(g.toFloatArray());
                    g.subi(g);
                }
            }
        }
        return new float[][] {concat(deltas), concat(gradients)};
    }

    /** The arrays one after the other. */
    static float[] concat(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** The routed methods. */
    static List<String> routed() {
        return List.of("poly", "mhr", "tensorpoly-1", "tensorpoly-2");
    }

    /**
     * Equal up to float32 rounding: each difference within {@code tolerance} of the value's magnitude
     * plus the vector's root mean square (gradients pass through layer normalisations that amplify the
     * rounding of their small inputs).
     */
    static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": sizes");
        double squares = 0;
        for (float e : expected) {
            squares += (double) e * e;
        }
        double rms = Math.sqrt(squares / expected.length);
        for (int i = 0; i < expected.length; i++) {
            double allowed = tolerance * (Math.abs(expected[i]) + rms);
            int at = i;
            assertTrue(Math.abs(expected[i] - actual[i]) <= allowed, () -> what + ": element " + at + " expected "
                    + expected[at] + ", got " + actual[at] + " (allowed difference " + allowed + ")");
        }
    }
}
