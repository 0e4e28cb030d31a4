package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.routing.RouterOptions;
import org.routelab.routing.TaskRouter;

class MhrTest {
    private static final int D_IN = 8;
    private static final int D_OUT = 16;
    private static final long[] TASKS = {2, 0, 2};

    /**
     * The adapter (factors of a router bank's allocations, normalised on the smaller side) equals MHR
     * written out head by head and skill by skill, {@code delta = x A_tau B_tau / r} with head h of
     * {@code A_tau} (rows) and {@code B_tau} (columns) {@code sum_s w_hs A_hs} for the router's normalised
     * weights, in values and in the gradients of the input and of every parameter, in evaluation and in
     * training: where the division acts on the mixtures (heads a few values wide) and on the weights.
     */
    @ParameterizedTest
    @CsvSource({"8, 1, 8", "8, 2, 8", "2, 1, 4", "4, 2, 3"})
    void theAdapterEqualsTheHeadsWrittenOut(int heads, int rank, int skills) {
        try (NDManager m = NDManager.newBaseManager()) {
            RandomStream init = RandomStream.of(5);
            TaskRouter router = new TaskRouter(m, 3, heads, skills, RouterOptions.DEFAULT, init, DataType.FLOAT32);
            Mhr a = new Mhr(m, D_IN, D_OUT, rank, skills, heads, router, true, init, DataType.FLOAT32);
            a.parameter("lora_b").set(init.normal(m, 0f, 1f, a.parameter("lora_b").shape(), DataType.FLOAT32));
            router.parameter("module_logits").set(
                    init.normal(m, 0f, 1f, router.parameter("module_logits").shape(), DataType.FLOAT32));
            Shape shape = new Shape(TASKS.length, 4, D_IN);
            float[] x = init.normal(m, 0f, 1f, shape, DataType.FLOAT32).toFloatArray();
            NDArray weights = init.normal(m, 0f, 1f, new Shape(TASKS.length, 4, D_OUT), DataType.FLOAT32);
            for (Supplier<ForwardContext> ctx : List.<Supplier<ForwardContext>>of(
                    () -> ForwardContext.eval().newPass().withTaskIds(TASKS),
                    () -> ForwardContext.train(RandomStream.of(8)).newPass().withTaskIds(TASKS))) {
                float[][] adapter = TinyMethods.valuesAndGradients(a, x, shape, weights, in -> a.delta(in, ctx.get()));
                float[][] written = TinyMethods.valuesAndGradients(a, x, shape, weights,
                        in -> headByHead(a, router, in, ctx.get(), heads, rank, skills));
                String what = heads + " heads, rank " + rank + ", " + skills + " skills, training "
                        + ctx.get().training();
                assertArrayEquals(written[0], adapter[0], 1e-5f, what);
                assertArrayEquals(written[1], adapter[1], 1e-5f, what);
            }
        }
    }

    /** MHR as written: each example's factors mixed head by head, skill by skill, from the router's weights. */
    private static NDArray headByHead(Mhr a, TaskRouter router, NDArray x, ForwardContext ctx, int heads, int rank,
            int skills) {
        NDArray w = router.weights(ctx, x.getManager(), TASKS.length); // [B, q, S], normalised
        NDArray loraA = a.parameter("lora_a").array(); // [q, S, d_in/q, r]
        NDArray loraB = a.parameter("lora_b").array(); // [q, S, r, d_out/q]
        NDList aHeads = new NDList();
        NDList bHeads = new NDList();
        for (int h = 0; h < heads; h++) {
            NDArray aHead = null;
            NDArray bHead = null;
            for (int s = 0; s < skills; s++) {
                NDArray ws = w.get(":, " + h + ", " + s).reshape(TASKS.length, 1, 1);
                NDArray aTerm = ws.mul(loraA.get(h + ", " + s));
                NDArray bTerm = ws.mul(loraB.get(h + ", " + s));
                aHead = aHead == null ? aTerm : aHead.add(aTerm);
                bHead = bHead == null ? bTerm : bHead.add(bTerm);
            }
            aHeads.add(aHead);
            bHeads.add(bHead);
        }
        NDArray aTau = NDArrays.concat(aHeads, 1); // [B, d_in, r]
        NDArray bTau = NDArrays.concat(bHeads, 2); // [B, r, d_out]
        return x.batchMatMul(aTau).batchMatMul(bTau).div(rank);
    }
}
