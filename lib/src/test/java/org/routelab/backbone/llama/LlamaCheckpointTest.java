package org.routelab.backbone.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import org.routelab.backbone.CausalBatch;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.backbone.checkpoint.SafetensorsDtype;
import org.routelab.backbone.checkpoint.SafetensorsWriter;
import org.routelab.nn.ForwardContext;

class LlamaCheckpointTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void saveThenLoadGivesIdenticalLogits(String type) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 21);
            CausalBatch batch = TinyLlama.batch(m, model);
            float[] before = TinyLlama.values(model.logits(batch, ForwardContext.eval()));
            model.save(dir, null);
            // LanguageModel.load dispatches on model_type.
            LanguageModel loaded = LanguageModel.load(dir, m, DataType.FLOAT32);
            LlamaModel llama = assertInstanceOf(LlamaModel.class, loaded);
            assertEquals(type, llama.config().modelType());
            assertEquals(model.config().slidingWindow(1), llama.config().slidingWindow(1));
            assertArrayEquals(before, TinyLlama.values(loaded.logits(batch, ForwardContext.eval())), 0f);
        }
    }

    @Test
    void shardedAndHalfPrecisionCheckpointsLoad() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "qwen2", 22);
            CausalBatch batch = TinyLlama.batch(m, model);
            float[] before = TinyLlama.values(model.logits(batch, ForwardContext.eval()));
            Path sharded = dir.resolve("sharded");
            writeConfig(sharded, model);
            List<Path> files = HfCheckpoint.save(sharded, model, 3_000);
            assertTrue(files.size() > 2, "expected several shards and an index, got " + files);
            assertArrayEquals(before, TinyLlama.values(
                    LlamaModel.load(sharded, m, DataType.FLOAT32).logits(batch, ForwardContext.eval())), 0f);

            Path bf16 = dir.resolve("bf16");
            writeConfig(bf16, model);
            HfCheckpoint.save(bf16, model, HfCheckpoint.DEFAULT_MAX_SHARD_BYTES, SafetensorsDtype.BF16);
            float[] approx = TinyLlama.values(
                    LlamaModel.load(bf16, m, DataType.FLOAT32).logits(batch, ForwardContext.eval()));
            double maxDiff = 0;
            for (int i = 0; i < before.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(before[i] - approx[i]));
            }
            // bf16 keeps 8 significant bits: logits move a little, but clearly not arbitrarily.
            assertTrue(maxDiff > 0 && maxDiff < 0.5, "max logit difference " + maxDiff);
        }
    }

    /** Checkpoints of tied models may still hold lm_head.weight, and older ones the rotary inv_freq buffers. */
    @Test
    void tiedHeadsAndRotaryBuffersInTheFileAreSkipped() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, "qwen2", 23);
            CausalBatch batch = TinyLlama.batch(m, model);
            float[] before = TinyLlama.values(model.logits(batch, ForwardContext.eval()));
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            model.namedParameters().forEach((n, p) -> tensors.put(n, p.array()));
            tensors.put("lm_head.weight", model.namedParameters().get("model.embed_tokens.weight").array());
            tensors.put("model.layers.0.self_attn.rotary_emb.inv_freq", m.create(new float[] {1f, 0.1f}));
            writeConfig(dir, model);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
            assertArrayEquals(before, TinyLlama.values(
                    LlamaModel.load(dir, m, DataType.FLOAT32).logits(batch, ForwardContext.eval())), 0f);
        }
    }

    @Test
    void mismatchedCheckpointsNameFileFieldAndTensor() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLlama.model(m, "llama", 24).save(dir, null);
            Path config = dir.resolve("config.json");
            String original = Files.readString(config);

            Files.writeString(config, original.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
            var missing = assertThrows(CheckpointException.class, () -> LanguageModel.load(dir, m, DataType.FLOAT32));
            assertTrue(missing.getMessage().contains("model.layers.2.self_attn.q_proj.weight")
                    && missing.getMessage().contains("model.safetensors"), missing.getMessage());

            Files.writeString(config, original.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
            var shape = assertThrows(CheckpointException.class, () -> LanguageModel.load(dir, m, DataType.FLOAT32));
            assertTrue(shape.getMessage().contains("model.layers.0.self_attn.k_proj.weight")
                    && shape.getMessage().contains("(8, 16)") && shape.getMessage().contains("(16, 16)"),
                    shape.getMessage());

            // A Qwen2 configuration over Llama weights: the q/k/v biases are missing.
            Files.writeString(config, original.replace("\"model_type\": \"llama\"", "\"model_type\": \"qwen2\""));
            var bias = assertThrows(CheckpointException.class, () -> LanguageModel.load(dir, m, DataType.FLOAT32));
            assertTrue(bias.getMessage().contains("model.layers.0.self_attn.q_proj.bias"), bias.getMessage());

            Files.writeString(config, original.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt_neox\""));
            var arch = assertThrows(ModelConfigException.class, () -> LanguageModel.load(dir, m, DataType.FLOAT32));
            assertTrue(arch.getMessage().contains(config.toString()) && arch.getMessage().contains("gpt_neox")
                    && arch.getMessage().contains("qwen2"), arch.getMessage());

            Files.writeString(config, original.replace("\"max_position_embeddings\": 64",
                    "\"max_position_embeddings\": 64, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}"));
            var rope = assertThrows(ModelConfigException.class, () -> LanguageModel.load(dir, m, DataType.FLOAT32));
            assertTrue(rope.getMessage().contains(config.toString()) && rope.getMessage().contains("rope_scaling")
                    && rope.getMessage().contains("yarn"), rope.getMessage());
        }
    }

    private static void writeConfig(Path folder, LlamaModel model) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("config.json"), model.config().toJson().toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
