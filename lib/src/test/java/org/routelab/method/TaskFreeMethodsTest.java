package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.AdaptationVariant;
import org.routelab.testing.Sgd;

/** What MoE-LoRA, OrchMoE and T-REX share: no task ids, training, adaptation variants, padding, checkpoints. */
class TaskFreeMethodsTest {
    private static final List<long[]> INPUTS = List.of(new long[] {5, 6, 7, 8, 9, 1}, new long[] {10, 11, 1});
    private static final List<long[]> TARGETS = List.of(new long[] {12, 13, 1}, new long[] {14, 15, 16, 17, 1});

    @ParameterizedTest
    @ValueSource(strings = {"moe-lora", "orchmoe", "trex"})
    void gradientsReachTheAdaptersAndRouteOnlyTrainsTheRouters(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 1);
            TinyMethods.randomiseUpFactors(model, m);
            TinyMethods.assertGradients(model, m, 4, TinyMethods.taskFree(method, true, m, 4),
                    name -> name.contains(".adapter."));
            AdaptationVariant.FULL.apply(model, 1, RandomStream.of(0));
            TinyMethods.assertGradients(model, m, 4, TinyMethods.taskFree(method, true, m, 4),
                    name -> name.contains(".adapter."));
            AdaptationVariant.ROUTE_ONLY.apply(model, 1, RandomStream.of(0));
            TinyMethods.assertGradients(model, m, 4, TinyMethods.taskFree(method, true, m, 4),
                    name -> name.contains(".adapter.") && name.contains("router"));
            var e = assertThrows(IllegalStateException.class, () -> AdaptationVariant.AVERAGE.apply(model, 1, RandomStream.of(0)));
            assertTrue(e.getMessage().contains("route by their input"), e.getMessage());
        }
    }

    /** A padded mixed batch without task ids gives every example what it gets alone. */
    @ParameterizedTest
    @ValueSource(strings = {"moe-lora", "orchmoe", "trex"})
    void paddedBatchesWithoutTaskIdsLeaveEachExampleUnchanged(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 2);
            TinyMethods.randomiseUpFactors(model, m);
            randomiseRouters(model, m);
            NDArray priors = TinyMethods.priors(m, 2, TRex.Options.DEFAULT.cells(), 3);
            NDArray batched = model.logits(Seq2SeqBatch.of(m, INPUTS, TARGETS, 0, 0), context(method, priors));
            float[] base = TinyT5.values(TinyT5.model(m, true, 2).logits(TinyT5.batch(m), ForwardContext.eval()));
            assertFalse(Arrays.equals(base, TinyT5.values(batched)), "the adapters must change the output");
            for (int i = 0; i < 2; i++) {
                Seq2SeqBatch alone = Seq2SeqBatch.of(m, List.of(INPUTS.get(i)), List.of(TARGETS.get(i)), 0, 0);
                NDArray single = model.logits(alone, context(method, priors.get(i + ":" + (i + 1))));
                int length = TARGETS.get(i).length;
                // other batch shapes sum in another order (float32); a padding leak differs by far more
                assertArrayEquals(TinyT5.values(single.get(0)), TinyT5.values(batched.get(i + ", :" + length)), 1e-4f,
                        "example " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"moe-lora", "orchmoe", "trex"})
    void trainingLowersTheLoss(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 3);
            List<Float> losses = new ArrayList<>();
            for (int s = 0; s < 6; s++) {
                try (NDManager step = m.newSubManager()) {
                    losses.add(Sgd.step(model, step, TinyMethods.batch(step, 4),
                            TinyMethods.taskFree(method, true, step, 4), 0.5f));
                }
            }
            assertTrue(losses.get(5) < losses.get(0) - 0.05f, losses.toString());
        }
    }

    /** Training and evaluation passes leave nothing in the model's manager (parameters may enter products directly). */
    @ParameterizedTest
    @ValueSource(strings = {"moe-lora", "orchmoe", "trex"})
    void trainingStepsDoNotLeakArrays(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyMethods.model(m, TinyMethods.config(method), 3);
            int before = -1;
            for (int s = 0; s < 3; s++) {
                try (NDManager step = m.newSubManager()) {
                    Sgd.step(model, step, TinyMethods.batch(step, 4), TinyMethods.taskFree(method, true, step, 4), 0.5f);
                }
                before = s == 0 ? m.getManagedArrays().size() : before;
            }
            try (NDManager eval = m.newSubManager()) {
                model.logits(TinyMethods.batch(eval, 4), TinyMethods.taskFree(method, false, eval, 4));
            }
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"moe-lora", "orchmoe", "trex"})
    void adaptersRoundTripThroughACheckpoint(String method, @TempDir Path dir) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model trained = TinyMethods.model(m, TinyMethods.config(method), 4);
            TinyMethods.randomiseUpFactors(trained, m);
            randomiseRouters(trained, m);
            HfCheckpoint.save(dir, trained);
            T5Model loaded = TinyMethods.model(m, TinyMethods.config(method), 5);
            HfCheckpoint.load(dir, loaded, Set.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight"));
            Seq2SeqBatch batch = TinyMethods.batch(m, 4);
            assertArrayEquals(TinyT5.values(trained.logits(batch, TinyMethods.taskFree(method, false, m, 4))),
                    TinyT5.values(loaded.logits(batch, TinyMethods.taskFree(method, false, m, 4))), 0f);
        }
    }

    /** Gives the routers random weights, so that T-REX's zero-initialised router routes too. */
    private static void randomiseRouters(T5Model model, NDManager m) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getKey().contains("router") && e.getValue().shape().dimension() == 2) {
                e.getValue().set(m.randomNormal(0f, 0.3f, e.getValue().shape(), DataType.FLOAT32));
            }
        }
    }

    private static ForwardContext context(String method, NDArray priors) {
        return method.equals("trex") ? ForwardContext.eval().withPriors(priors) : ForwardContext.eval();
    }
}
