package org.routelab.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.backbone.llama.TinyLlama;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;

/** Tiny random-weight backbone folders of each family, batches, and logit comparisons for the interop tests. */
final class Backbones {
    /** The families the tests cover. */
    static final List<String> FAMILIES = List.of("t5", "llama", "mistral", "qwen2");

    private Backbones() {}

    /** Saves a tiny random backbone of a family (T5 v1.1, Llama, Mistral with a sliding window, Qwen2 with tied embeddings) with a tokenizer file. */
    static Path folder(Path dir, String family) throws IOException {
        Path folder = dir.resolve(family);
        if (Files.exists(folder.resolve("config.json"))) {
            return folder;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            ConfigJson c = new ConfigJson("t5".equals(family) ? TinyT5.config(true, 0.0).toJson()
                    : TinyLlama.config(family).toJson(), family);
            LanguageModel model = LanguageModel.create(c, m, DataType.FLOAT32);
            model.initialize(11);
            Path tokenizer = dir.resolve("tokenizer-" + family + ".json");
            Files.writeString(tokenizer, "{\"model\": {\"type\": \"WordLevel\"}}");
            model.save(folder, tokenizer);
        }
        return folder;
    }

    /** A batch of two examples of different lengths (ids avoid pad 0, bos 1 and eos 2). */
    static ModelBatch batch(LanguageModel model, NDManager m) {
        return model.batch(m, List.of(new long[] {3, 5, 6, 7, 8, 9, 10, 11}, new long[] {3, 10, 11}),
                List.of(new long[] {12, 13, 14, 15, 2}, new long[] {14, 15, 16, 17, 2}));
    }

    /** Logits of the batch, evaluation mode, routed with the given task ids (one per example) if any. */
    static float[] logits(LanguageModel model, NDManager m, long... taskIds) {
        ForwardContext ctx = taskIds.length == 0 ? ForwardContext.eval() : ForwardContext.eval().withTaskIds(taskIds);
        return model.logits(batch(model, m), ctx).toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Gives every adapter parameter random values (zero-initialised up-projections included) from a seed. */
    static void randomiseAdapters(LanguageModel model, NDManager m, int seed) {
        ai.djl.engine.Engine.getInstance().setRandomSeed(seed);
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getKey().contains(".adapter.")) {
                NDArray v = m.randomNormal(0f, 0.5f, e.getValue().shape(), DataType.FLOAT32);
                e.getValue().set(v);
            }
        }
    }

    /** The largest absolute difference between two arrays of equal length. */
    static double maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /**
     * Returns the tolerance float32 rounding allows for logits of this size: {@code 1e-5} of the largest
     * magnitude (a scale folded into a factor rounds differently, and random adapters amplify it), at least {@code 1e-5}.
     */
    static double tolerance(float[] logits) {
        double max = 0;
        for (float v : logits) {
            max = Math.max(max, Math.abs(v));
        }
        return Math.max(1e-5, 1e-5 * max);
    }

    /** Prints a round-trip figure for the closing report: format, family, max logit difference. */
    static void report(String format, String family, double diff, float[] logits) {
        double max = 0;
        for (float v : logits) {
            max = Math.max(max, Math.abs(v));
        }
        System.out.printf(java.util.Locale.ROOT, "round-trip %s %s max|dlogit| = %.3e (max|logit| %.1f)%n", format,
                family, diff, max);
    }
}
