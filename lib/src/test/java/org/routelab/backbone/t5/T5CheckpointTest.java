package org.routelab.backbone.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.ModelConfigException;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.TextTokenizer;
import org.routelab.backbone.WordLevelTokenizerFile;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.backbone.checkpoint.SafetensorsDtype;
import org.routelab.nn.ForwardContext;

class T5CheckpointTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "v1.1={0}")
    @ValueSource(booleans = {false, true})
    void saveThenLoadGivesIdenticalLogits(boolean v11) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, v11, 21);
            Seq2SeqBatch batch = TinyT5.batch(m);
            float[] before = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            model.save(dir, null);
            assertTrue(Files.exists(dir.resolve("config.json")));
            T5Model loaded = T5Model.load(dir, m, DataType.FLOAT32);
            assertEquals(v11, !loaded.config().tieWordEmbeddings());
            assertArrayEquals(before, TinyT5.values(loaded.logits(batch, ForwardContext.eval())), 0f);
        }
    }

    @Test
    void shardedAndHalfPrecisionCheckpointsLoad() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 22);
            Seq2SeqBatch batch = TinyT5.batch(m);
            float[] before = TinyT5.values(model.logits(batch, ForwardContext.eval()));
            Path sharded = dir.resolve("sharded");
            writeConfig(sharded, model);
            List<Path> files = HfCheckpoint.save(sharded, model, 8_000);
            assertTrue(files.size() > 2, "expected several shards and an index, got " + files);
            assertArrayEquals(before,
                    TinyT5.values(T5Model.load(sharded, m, DataType.FLOAT32).logits(batch, ForwardContext.eval())), 0f);

            Path bf16 = dir.resolve("bf16");
            writeConfig(bf16, model);
            HfCheckpoint.save(bf16, model, HfCheckpoint.DEFAULT_MAX_SHARD_BYTES, SafetensorsDtype.BF16);
            float[] approx = TinyT5.values(T5Model.load(bf16, m, DataType.FLOAT32).logits(batch, ForwardContext.eval()));
            double maxDiff = 0;
            for (int i = 0; i < before.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(before[i] - approx[i]));
            }
            // bf16 keeps 8 significant bits: logits move a little, but clearly not arbitrarily.
            assertTrue(maxDiff > 0 && maxDiff < 0.5, "max logit difference " + maxDiff);
        }
    }

    @Test
    void mismatchedCheckpointsNameFileAndTensor() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 23);
            model.save(dir, null);
            Path config = dir.resolve("config.json");
            String original = Files.readString(config);

            Files.writeString(config, original.replace("\"num_layers\": 2", "\"num_layers\": 3"));
            var missing = assertThrows(CheckpointException.class, () -> T5Model.load(dir, m, DataType.FLOAT32));
            assertTrue(missing.getMessage().contains("encoder.block.2.layer.0.SelfAttention.q.weight")
                    && missing.getMessage().contains("model.safetensors"), missing.getMessage());

            Files.writeString(config, original.replace("\"d_ff\": 32", "\"d_ff\": 24"));
            var shape = assertThrows(CheckpointException.class, () -> T5Model.load(dir, m, DataType.FLOAT32));
            assertTrue(shape.getMessage().contains("DenseReluDense.wi_0.weight")
                    && shape.getMessage().contains("(32, 16)") && shape.getMessage().contains("(24, 16)"),
                    shape.getMessage());

            Files.writeString(config, original.replace("\"model_type\": \"t5\"", "\"model_type\": \"bert\""));
            var arch = assertThrows(ModelConfigException.class, () -> T5Model.load(dir, m, DataType.FLOAT32));
            assertTrue(arch.getMessage().contains(config.toString()) && arch.getMessage().contains("bert"),
                    arch.getMessage());

            Path pickleOnly = dir.resolve("pickle");
            Files.createDirectories(pickleOnly);
            Files.writeString(pickleOnly.resolve("config.json"), original);
            Files.write(pickleOnly.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
            var pickle = assertThrows(CheckpointException.class, () -> T5Model.load(pickleOnly, m, DataType.FLOAT32));
            assertTrue(pickle.getMessage().contains("pytorch_model.bin"), pickle.getMessage());

            var noConfig = assertThrows(ModelConfigException.class,
                    () -> T5Model.load(dir.resolve("absent"), m, DataType.FLOAT32));
            assertTrue(noConfig.getMessage().contains("config.json"), noConfig.getMessage());
        }
    }

    @Test
    void tokenizerFileRoundTripsThroughTheHuggingFaceBinding() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        WordLevelTokenizerFile.write(file, List.of("red", "green", "blue", "->"));
        try (TextTokenizer tok = TextTokenizer.load(file)) {
            // ids: <pad>=0 </s>=1 <unk>=2 red=3 green=4 blue=5 ->=6; T5-style </s> appended
            assertArrayEquals(new long[] {3, 6, 5, 2, 1}, tok.encode("red -> blue purple"));
            assertEquals("red -> blue", tok.decode(new long[] {3, 6, 5, 1, 0}));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TinyT5.model(m, false, 24).save(dir.resolve("model"), file);
            try (TextTokenizer tok = TextTokenizer.load(dir.resolve("model"))) {
                assertArrayEquals(new long[] {4, 1}, tok.encode("green"));
            }
        }
        var e = assertThrows(ModelConfigException.class, () -> TextTokenizer.load(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    private static void writeConfig(Path folder, T5Model model) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("config.json"), model.config().toJson().toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
