package org.routelab.method;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.Parameter;

/** Tiny routed models and equal-length batches for the method tests. */
final class TinyMethods {
    static final int TASKS = 3;

    private TinyMethods() {}

    /** Small sizes that fit the tiny T5 (d_model 16, d_ff 32): r 2, S 3, q 4, R 2, N 2, T 3. */
    static MethodConfig config(Method method) {
        return MethodConfig.defaults(method).withRank(2).withSkills(3).withHeads(4).withTensorRank(2).withOrder(2)
                .withTasks(TASKS);
    }

    /** A tiny v1.1 model with the method injected; the seed fixes the base and the adapters. */
    static T5Model model(NDManager m, MethodConfig config, int seed) {
        T5Model model = TinyT5.model(m, true, seed);
        Method.inject(model, config, DataType.FLOAT32);
        return model;
    }

    /** Gives zero-initialised up-projections random values, so that every parameter has a gradient. */
    static void randomiseUpFactors(T5Model model, NDManager m) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getKey().endsWith("lora_b")) {
                e.getValue().set(m.randomNormal(0f, 0.3f, e.getValue().shape(), DataType.FLOAT32));
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

    /** The routed methods. */
    static List<Method> routed() {
        return List.of(Method.POLY, Method.MHR, Method.TENSORPOLY_I, Method.TENSORPOLY_II);
    }
}
