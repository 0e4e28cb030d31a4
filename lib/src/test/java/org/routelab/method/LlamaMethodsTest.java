package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.adapter.LoraConfig;
import org.routelab.backbone.CausalBatch;
import org.routelab.backbone.ModelBatch;
import org.routelab.backbone.llama.LlamaModel;
import org.routelab.backbone.llama.TinyLlama;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.data.EncodedExample;
import org.routelab.eval.RankClassification;
import org.routelab.eval.SequenceScores;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.routing.Granularity;
import org.routelab.testing.Sgd;

/** Adapters and every routed method on the decoder-only backbone, through the same injection as on T5. */
class LlamaMethodsTest {
    private static final long[] MIXED = {2, 0, 1, 0};

    /** {@code n} examples of equal lengths, different contents. */
    private static CausalBatch batch(NDManager m, LlamaModel model, int n) {
        List<long[]> in = new ArrayList<>();
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in.add(new long[] {1, 5 + i, 6 + 2 * i, 7, 8 + i});
            out.add(new long[] {12 + i, 13 + 2 * i, 2});
        }
        return model.batch(m, in, out);
    }

    @Test
    void defaultTargetsFollowTheBackbone() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> llama = MethodConfig.defaults("lora").inject(TinyLlama.model(m, "qwen2", 1), RandomStream.of(0), DataType.FLOAT32);
            assertEquals(2 * 7, llama.size());
            assertTrue(llama.contains("model.layers.1.self_attn.k_proj"));
            assertTrue(llama.contains("model.layers.0.mlp.down_proj"));
            assertFalse(llama.stream().anyMatch(p -> p.contains("lm_head") || p.contains("embed")));
            // The same defaults on T5 keep the T5 names.
            List<String> t5 = MethodConfig.defaults("lora").inject(TinyT5.model(m, true, 1), RandomStream.of(0), DataType.FLOAT32);
            assertEquals(2 * 7 + 2 * 11, t5.size());
            assertTrue(t5.contains("decoder.block.1.layer.1.EncDecAttention.v"));
            // Explicit targets win.
            List<String> some = MethodConfig.defaults("lora").withTargets("self_attn", "q_proj|v_proj").inject(TinyLlama.model(m, "llama", 1), RandomStream.of(0), DataType.FLOAT32);
            assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                    "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"), some);
            Module bare = new Module() { };
            var e = assertThrows(IllegalArgumentException.class,
                    () -> MethodConfig.defaults("lora").inject(bare, RandomStream.of(0), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("withTargets"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void zeroInitialisedLoraKeepsLogitsAndGradientsReachExactlyTheAdapters(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 2);
            CausalBatch batch = TinyLlama.batch(m, model);
            float[] before = TinyLlama.values(model.logits(batch, ForwardContext.eval()));
            LoraConfig.ofRank(2, model.defaultAdapterTargets()).inject(model, RandomStream.of(0), DataType.FLOAT32);
            assertArrayEquals(before, TinyLlama.values(model.logits(batch, ForwardContext.eval())), 0f);
            // Biases stay with their projection under their checkpoint names, frozen.
            if (type.equals("qwen2")) {
                assertFalse(model.namedParameters().get("model.layers.0.self_attn.q_proj.bias").isTrainable());
            }
            model.namedParameters().forEach((n, p) -> {
                if (n.endsWith("lora_b")) {
                    p.set(m.randomNormal(0f, 0.3f, p.shape(), DataType.FLOAT32));
                }
            });
            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(model.loss(TinyLlama.batch(step, model), ForwardContext.train()));
            }
            int adapters = 0;
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                NDArray a = e.getValue().array();
                if (e.getKey().contains(".adapter.lora_")) {
                    adapters++;
                    try (NDArray g = a.getGradient()) {
                        assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
                    }
                } else {
                    assertFalse(a.hasGradient(), "frozen parameter got a gradient: " + e.getKey());
                }
            }
            assertEquals(2 * 7 * 2, adapters);
        }
    }

    @ParameterizedTest
    @MethodSource("org.routelab.method.TinyMethods#names")
    void everyMethodInjectsAndTrainingLowersTheLoss(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "qwen2", 3);
            List<String> adapted = TinyMethods.config(method).inject(model, RandomStream.of(0), DataType.FLOAT32);
            assertEquals(2 * 7, adapted.size());
            assertTrue(model.trainableParameterCount() > 0);
            float before = evalLoss(model, m, method);
            // Six steps at a rate that suits every method: TLoRA's and TensorPoly's normalised Kronecker
            // factors make the first steps jump by a fixed amount before the loss falls.
            for (int s = 0; s < 6; s++) {
                try (NDManager step = m.newSubManager()) {
                    Sgd.step(model, step, batch(step, model, 4), context(method, true, step), 0.3f);
                }
            }
            float after = evalLoss(model, m, method);
            assertTrue(after < before, method + ": loss " + before + " -> " + after);
        }
    }

    /** The deterministic (evaluation-mode) loss on the training batch. */
    private static float evalLoss(LlamaModel model, NDManager m, String method) {
        try (NDManager scope = m.newSubManager()) {
            return model.loss(batch(scope, model, 4), context(method, false, scope)).getFloat();
        }
    }

    /** Task ids for task-id routers; task-free methods get none (T-REX gets fixed priors). */
    private static ForwardContext context(String method, boolean train, NDManager m) {
        if (method.equals("moe-lora") || method.equals("orchmoe") || method.equals("trex")) {
            return TinyMethods.taskFree(method, train, m, MIXED.length);
        }
        ForwardContext base = train ? ForwardContext.train() : ForwardContext.eval();
        return TinyMethods.routedByTask(method) ? base.withTaskIds(MIXED) : base;
    }

    @Test
    void routersAreSharedAtEveryGranularityOfTheDecoder() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<Granularity, Integer> routers = Map.of(Granularity.LAYER, 14, Granularity.SUBLAYER, 4,
                    Granularity.BLOCK, 2, Granularity.STACK, 1, Granularity.MODEL, 1);
            for (Map.Entry<Granularity, Integer> e : routers.entrySet()) {
                LlamaModel model = TinyLlama.model(m, "llama", 4);
                TinyMethods.config("mhr").withGranularity(e.getKey()).inject(model, RandomStream.of(0), DataType.FLOAT32);
                long logits = model.namedParameters().keySet().stream().filter(n -> n.endsWith("module_logits")).count();
                assertEquals(e.getValue().longValue(), logits, e.getKey().toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora", "poly", "tensorpoly-2"})
    void trainingStepsAndEvaluationDoNotLeakArrays(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "mistral", 5);
            TinyMethods.config(method).inject(model, RandomStream.of(0), DataType.FLOAT32);
            ForwardContext ctx = ForwardContext.train().withTaskIds(MIXED);
            try (NDManager step = m.newSubManager()) {
                Sgd.step(model, step, batch(step, model, 4), ctx, 0.1f);
            }
            int before = m.getManagedArrays().size();
            for (int s = 0; s < 2; s++) {
                try (NDManager step = m.newSubManager()) {
                    Sgd.step(model, step, batch(step, model, 4), ctx, 0.1f);
                }
            }
            try (NDManager eval = m.newSubManager()) {
                ModelBatch b = batch(eval, model, 4);
                model.logits(b, ForwardContext.eval().withTaskIds(MIXED));
                model.inputEmbedding(b, ForwardContext.eval().withTaskIds(MIXED));
            }
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    /**
     * Rank classification of continuations: a LoRA trained on the right answers of a tiny task ranks
     * them first, and the batched scores equal each choice scored alone.
     */
    @Test
    void rankClassificationScoresAnswerChoicesAsContinuations() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "llama", 6);
            List<long[]> choices = List.of(new long[] {20, 2}, new long[] {21, 22, 2}, new long[] {23, 2});
            List<EncodedExample> examples = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int label = i % 3;
                examples.add(new EncodedExample(new long[] {1, 5 + i, 11 + label}, choices.get(label), 0, choices, label));
            }
            LoraConfig.ofRank(4, model.defaultAdapterTargets()).inject(model, RandomStream.of(0), DataType.FLOAT32);
            List<long[]> inputs = examples.stream().map(EncodedExample::inputIds).toList();
            List<long[]> targets = examples.stream().map(EncodedExample::targetIds).toList();
            for (int s = 0; s < 40; s++) {
                try (NDManager step = m.newSubManager()) {
                    Sgd.step(model, step, model.batch(step, inputs, targets), ForwardContext.train(), 0.2f);
                }
            }
            int[] predicted = RankClassification.predict(examples, 4, m, model, b -> ForwardContext.eval());
            assertEquals(1.0, RankClassification.accuracy(examples, predicted), 1e-12);
            for (int i = 0; i < examples.size(); i++) {
                float[] alone = new float[choices.size()];
                for (int c = 0; c < choices.size(); c++) {
                    try (NDManager scope = m.newSubManager()) {
                        CausalBatch one = model.batch(scope, List.of(examples.get(i).inputIds()), List.of(choices.get(c)));
                        alone[c] = SequenceScores.meanNll(model.logits(one, ForwardContext.eval()), one.labels())[0];
                    }
                }
                assertEquals(SequenceScores.argmin(alone), predicted[i], "example " + i);
            }
        }
    }
}
