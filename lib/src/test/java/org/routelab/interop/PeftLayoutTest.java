package org.routelab.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.checkpoint.SafetensorsWriter;
import org.routelab.nn.Linear;

/**
 * Adapters written the way PEFT writes them, from PEFT's documented keys, shapes and formulas (not from
 * RouteLab's export), load into RouteLab and compute what PEFT computes: the reference is the base model
 * with {@code W0 + delta W} written into its weights, {@code delta W} computed here from PEFT's definitions.
 */
class PeftLayoutTest {
    /** Two projections per family, adapted in the fixtures. */
    private static final Map<String, List<String>> MODULES = Map.of(
            "t5", List.of("encoder.block.0.layer.0.SelfAttention.q", "decoder.block.1.layer.2.DenseReluDense.wo"),
            "llama", List.of("model.layers.0.self_attn.v_proj", "model.layers.1.mlp.down_proj"));

    @TempDir
    Path dir;

    private static Linear linear(LanguageModel model, String path) {
        return (Linear) model.namedModules().get(path);
    }

    private static void writeConfig(Path out, String json) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("adapter_config.json"), json);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5", "llama"})
    void aPeftLoraComputesBasePlusScaledBA(String family) throws IOException {
        for (boolean rslora : new boolean[] {false, true}) {
            Path base = Backbones.folder(dir, family);
            Path out = dir.resolve("peft-lora-" + family + rslora);
            int r = 4;
            double alpha = 6;
            double scale = rslora ? alpha / Math.sqrt(r) : alpha / r;
            try (NDManager m = NDManager.newBaseManager()) {
                LanguageModel reference = LanguageModel.load(base, m, DataType.FLOAT32);
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                ai.djl.engine.Engine.getInstance().setRandomSeed(7);
                for (String p : MODULES.get(family)) {
                    Linear l = linear(reference, p);
                    NDArray a = m.randomNormal(0f, 0.5f, new Shape(r, l.inFeatures()), DataType.FLOAT32);
                    NDArray b = m.randomNormal(0f, 0.5f, new Shape(l.outFeatures(), r), DataType.FLOAT32);
                    tensors.put("base_model.model." + p + ".lora_A.weight", a);
                    tensors.put("base_model.model." + p + ".lora_B.weight", b);
                    // PEFT: W = W0 + scale * B @ A ([d_out, r] @ [r, d_in]).
                    l.weight().array().addi(b.matMul(a).mul((float) scale));
                }
                writeConfig(out, "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": " + r
                        + ", \"lora_alpha\": " + alpha + ", \"use_rslora\": " + rslora + ", \"lora_dropout\": 0.1,"
                        + " \"target_modules\": [\"q\", \"wo\", \"v_proj\", \"down_proj\"], \"bias\": \"none\","
                        + " \"fan_in_fan_out\": false, \"modules_to_save\": null, \"use_dora\": false,"
                        + " \"rank_pattern\": {}, \"alpha_pattern\": {}, \"inference_mode\": true}");
                SafetensorsWriter.write(out.resolve("adapter_model.safetensors"), tensors);

                LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
                PeftAdapter adapter = PeftAdapter.read(out);
                assertEquals(MODULES.get(family), adapter.applyTo(model));
                float[] expected = Backbones.logits(reference, m);
                double diff = Backbones.maxDiff(expected, Backbones.logits(model, m));
                Backbones.report("peft-written lora" + (rslora ? " (rslora)" : ""), family, diff, expected);
                assertTrue(diff < Backbones.tolerance(expected), family + " rslora=" + rslora + ": " + diff);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5", "llama"})
    void aPeftPolyComputesEachTasksMixture(String family) throws IOException {
        Path base = Backbones.folder(dir, family);
        Path out = dir.resolve("peft-poly-" + family);
        int splits = 2;
        int skills = 3;
        int r = 2;
        int tasks = 2;
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model0 = LanguageModel.load(base, m, DataType.FLOAT32);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            ai.djl.engine.Engine.getInstance().setRandomSeed(8);
            for (String p : MODULES.get(family)) {
                Linear l = linear(model0, p);
                tensors.put("base_model.model." + p + ".poly_lora_A", m.randomNormal(0f, 0.5f,
                        new Shape(splits, skills, l.inFeatures() / splits, r), DataType.FLOAT32));
                tensors.put("base_model.model." + p + ".poly_lora_B", m.randomNormal(0f, 0.5f,
                        new Shape(splits, skills, r, l.outFeatures() / splits), DataType.FLOAT32));
                tensors.put("base_model.model." + p + ".poly_router.module_logits", m.randomNormal(0f, 2f,
                        new Shape(tasks, splits * skills), DataType.FLOAT32));
            }
            writeConfig(out, "{\"peft_type\": \"POLY\", \"task_type\": \"SEQ_2_SEQ_LM\", \"r\": " + r
                    + ", \"n_tasks\": " + tasks + ", \"n_skills\": " + skills + ", \"n_splits\": " + splits
                    + ", \"poly_type\": \"poly\", \"target_modules\": [\"q\", \"wo\", \"v_proj\", \"down_proj\"],"
                    + " \"modules_to_save\": null, \"init_weights\": true, \"inference_mode\": true}");
            SafetensorsWriter.write(out.resolve("adapter_model.safetensors"), tensors);

            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            PeftAdapter adapter = PeftAdapter.read(out);
            assertEquals("mhr", adapter.method());
            assertEquals(List.of("task0", "task1"), adapter.taskNames());
            adapter.applyTo(model);
            for (int task = 0; task < tasks; task++) {
                LanguageModel reference = LanguageModel.load(base, m, DataType.FLOAT32);
                for (String p : MODULES.get(family)) {
                    Linear l = linear(reference, p);
                    String k = "base_model.model." + p;
                    // PEFT's Poly: w = sigmoid(logits[task]) per split, normalised by (sum + 1e-12);
                    // A = einsum(qs,qsdr->qdr).reshape(d_in, r); B = einsum(qs,qsrd->qrd).transpose(0,1).reshape(r, d_out);
                    // delta = x A B / r, so W = W0 + (A B / r)^T.
                    NDArray w = tensors.get(k + ".poly_router.module_logits").get(task).reshape(splits, skills);
                    w = w.neg().exp().add(1f).pow(-1f);
                    w = w.div(w.sum(new int[] {1}, true).add(1e-12f)).reshape(splits, 1, skills);
                    NDArray a = w.matMul(tensors.get(k + ".poly_lora_A").reshape(splits, skills, -1))
                            .reshape(l.inFeatures(), r);
                    NDArray b = w.matMul(tensors.get(k + ".poly_lora_B").reshape(splits, skills, -1))
                            .reshape(splits, r, l.outFeatures() / splits).transpose(1, 0, 2).reshape(r, l.outFeatures());
                    l.weight().array().addi(a.matMul(b).div((float) r).transpose());
                }
                float[] expected = Backbones.logits(reference, m);
                double diff = Backbones.maxDiff(expected, Backbones.logits(model, m, task, task));
                Backbones.report("peft-written poly task " + task, family, diff, expected);
                assertTrue(diff < Backbones.tolerance(expected), family + " task " + task + ": " + diff);
            }
        }
    }

    @Test
    void tensorsThatAreNotPeftsAreRefusedNamingThem() throws IOException {
        Path out = dir.resolve("odd");
        writeConfig(out, "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2}");
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter.write(out.resolve("adapter_model.safetensors"), Map.of(
                    "base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight", m.zeros(new Shape(2, 16)),
                    "base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_B.weight", m.zeros(new Shape(16, 2)),
                    "base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_magnitude_vector", m.zeros(new Shape(16))));
            var e = assertThrows(ModelConfigException.class, () -> PeftAdapter.read(out));
            assertTrue(e.getMessage().contains("lora_magnitude_vector"), e.getMessage());
            SafetensorsWriter.write(out.resolve("adapter_model.safetensors"), Map.of(
                    "base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight", m.zeros(new Shape(2, 16))));
            var missing = assertThrows(ModelConfigException.class, () -> PeftAdapter.read(out));
            assertTrue(missing.getMessage().contains("lora_B.weight"), missing.getMessage());
            SafetensorsWriter.write(out.resolve("adapter_model.safetensors"), Map.of(
                    "base_model.model.encoder.block.9.layer.0.SelfAttention.q.lora_A.weight", m.zeros(new Shape(2, 16)),
                    "base_model.model.encoder.block.9.layer.0.SelfAttention.q.lora_B.weight", m.zeros(new Shape(16, 2))));
            LanguageModel model = LanguageModel.load(Backbones.folder(dir, "t5"), m, DataType.FLOAT32);
            var absent = assertThrows(ModelConfigException.class, () -> PeftAdapter.read(out).applyTo(model));
            assertTrue(absent.getMessage().contains("adapter_config") || absent.getMessage().contains("block"),
                    absent.getMessage());
        }
    }
}
