package org.routelab.backbone.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.nn.Parameter;

class HfCheckpointTest {
    private static final List<String> NAMES =
            List.of("shared.weight", "encoder.proj.weight", "encoder.final_layer_norm.weight");

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private List<String> listing(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static void assertSameWeights(TinyModel expected, TinyModel actual) {
        for (String name : NAMES) {
            assertArrayEquals(expected.bytes(name), actual.bytes(name), name);
        }
    }

    /** Returns the model's tensors by name, plus {@code extra} ones. */
    private static Map<String, NDArray> tensorsOf(TinyModel model, Map<String, NDArray> extra) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> out.put(n, p.array()));
        out.putAll(extra);
        return out;
    }

    private CheckpointException loadFails(Path folder, Set<String> aliases) {
        return assertThrows(
                CheckpointException.class, () -> HfCheckpoint.load(folder, new TinyModel(manager), aliases));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void saveThenLoadIsBitIdentical() throws IOException {
        TinyModel saved = new TinyModel(manager).randomize(1);
        assertEquals(List.of(dir.resolve("model.safetensors")), HfCheckpoint.save(dir, saved));
        TinyModel loaded = new TinyModel(manager);
        HfCheckpoint.LoadReport report = HfCheckpoint.load(dir, loaded, Set.of());
        assertSameWeights(saved, loaded);
        assertEquals(Set.copyOf(NAMES), Set.copyOf(report.loaded()));
        assertTrue(report.source().contains("model.safetensors"));
        assertEquals(List.of("model.safetensors"), listing(dir));
    }

    @Test
    void halfPrecisionFilesLoadIntoFloat32Parameters() {
        // All exactly representable in F16 and BF16.
        float[] shared = new float[20];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = i * 0.25f - 2.25f;
        }
        float[] proj = {1.5f, -2.25f, 0.5f, 96f, -0.125f, 3f, 1f, -1f, 0f, 2.5f, -4f, 1.75f};
        float[] norm = {1f, 1.5f, -2.25f, 0.75f};
        Map<String, NDArray> f32 = Map.of(
                "shared.weight", manager.create(shared, new Shape(5, 4)),
                "encoder.proj.weight", manager.create(proj, new Shape(3, 4)),
                "encoder.final_layer_norm.weight", manager.create(norm));

        Path f16Folder = dir.resolve("f16");
        Path bf16Folder = dir.resolve("bf16");
        SafetensorsWriter.write(createFolder(f16Folder).resolve("model.safetensors"), f32, SafetensorsDtype.F16);
        SafetensorsWriter.write(createFolder(bf16Folder).resolve("model.safetensors"), f32, SafetensorsDtype.BF16);
        for (Path folder : List.of(f16Folder, bf16Folder)) {
            TinyModel model = new TinyModel(manager);
            HfCheckpoint.load(folder, model, Set.of());
            Map<String, Parameter> p = model.namedParameters();
            assertEquals(DataType.FLOAT32, p.get("shared.weight").array().getDataType());
            assertArrayEquals(shared, p.get("shared.weight").array().toFloatArray(), folder.toString());
            assertArrayEquals(proj, p.get("encoder.proj.weight").array().toFloatArray(), folder.toString());
            assertArrayEquals(norm, p.get("encoder.final_layer_norm.weight").array().toFloatArray());
        }
    }

    private static Path createFolder(Path folder) {
        try {
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void savesBf16WhenAsked() {
        TinyModel model = new TinyModel(manager).randomize(2);
        HfCheckpoint.save(dir, model, HfCheckpoint.DEFAULT_MAX_SHARD_BYTES, SafetensorsDtype.BF16);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(SafetensorsDtype.BF16, f.info("shared.weight").dtype());
            assertEquals(40, f.info("shared.weight").byteSize());
        }
        TinyModel loaded = new TinyModel(manager);
        HfCheckpoint.load(dir, loaded, Set.of());
        float[] expected = model.namedParameters().get("shared.weight").array().toFloatArray();
        float[] actual = loaded.namedParameters().get("shared.weight").array().toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], Math.abs(expected[i]) / 128, "element " + i);
        }
    }

    @Test
    void shardedSaveWritesIndexAndLoadsBack() throws IOException {
        TinyModel single = new TinyModel(manager).randomize(3);
        HfCheckpoint.save(dir, single);
        TinyModel saved = new TinyModel(manager).randomize(4);
        // 80 + 48 + 16 bytes with at most 50 per shard: the embedding alone, the projection alone, the norm.
        List<Path> files = HfCheckpoint.save(dir, saved, 50);
        List<String> shards = List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors");
        assertEquals(Stream.concat(shards.stream(), Stream.of("model.safetensors.index.json"))
                .map(dir::resolve).collect(Collectors.toList()), files);
        // The earlier single file is gone, or it would shadow the shards.
        assertEquals(Stream.concat(shards.stream(), Stream.of("model.safetensors.index.json")).sorted()
                .collect(Collectors.toList()), listing(dir));

        JsonObject index = JsonParser.parseString(Files.readString(dir.resolve("model.safetensors.index.json")))
                .getAsJsonObject();
        assertEquals(144, index.getAsJsonObject("metadata").get("total_size").getAsLong());
        JsonObject weightMap = index.getAsJsonObject("weight_map");
        assertEquals(List.of("encoder.final_layer_norm.weight", "encoder.proj.weight", "shared.weight"),
                List.copyOf(weightMap.keySet()));
        assertEquals(shards.get(0), weightMap.get("shared.weight").getAsString());
        assertEquals(shards.get(1), weightMap.get("encoder.proj.weight").getAsString());
        assertEquals(shards.get(2), weightMap.get("encoder.final_layer_norm.weight").getAsString());

        TinyModel loaded = new TinyModel(manager);
        HfCheckpoint.LoadReport report = HfCheckpoint.load(dir, loaded, Set.of());
        assertSameWeights(saved, loaded);
        assertTrue(report.source().contains("model.safetensors.index.json") && report.source().contains(shards.get(2)),
                report.source());

        HfCheckpoint.save(dir, saved);
        assertEquals(List.of("model.safetensors"), listing(dir));
        TinyModel reloaded = new TinyModel(manager);
        HfCheckpoint.load(dir, reloaded, Set.of());
        assertSameWeights(saved, reloaded);
    }

    @Test
    void missingShardIsNamed() throws IOException {
        HfCheckpoint.save(dir, new TinyModel(manager).randomize(5), 50);
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        assertMentions(loadFails(dir, Set.of()), "model-00002-of-00003.safetensors", "encoder.proj.weight",
                "model.safetensors.index.json");
    }

    @Test
    void missingTensorNamesTensorAndFile() {
        TinyModel model = new TinyModel(manager).randomize(6);
        Map<String, NDArray> tensors = tensorsOf(model, Map.of());
        tensors.remove("encoder.proj.weight");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        assertMentions(loadFails(dir, Set.of()), "'encoder.proj.weight'", dir.resolve("model.safetensors").toString());
    }

    @Test
    void shapeMismatchNamesFileTensorAndShapesAndLeavesModelUnchanged() {
        Map<String, NDArray> tensors = tensorsOf(new TinyModel(manager).randomize(7), Map.of());
        tensors.put("encoder.proj.weight", manager.ones(new Shape(4, 3)));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        TinyModel model = new TinyModel(manager).randomize(8);
        float[] before = model.namedParameters().get("shared.weight").array().toFloatArray();
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir, model, Set.of()));
        assertMentions(e, "model.safetensors", "'encoder.proj.weight'", "(4, 3)", "(3, 4)");
        // Checked before any data is read: the matching embedding was not loaded either.
        assertArrayEquals(before, model.namedParameters().get("shared.weight").array().toFloatArray());
    }

    @Test
    void unexpectedTensorIsAnErrorUnlessAllowed() {
        TinyModel saved = new TinyModel(manager).randomize(8);
        SafetensorsWriter.write(dir.resolve("model.safetensors"),
                tensorsOf(saved, Map.of("decoder.block.0.weight", manager.ones(new Shape(2)))));
        assertMentions(loadFails(dir, Set.of()), "'decoder.block.0.weight'", "model.safetensors");

        TinyModel loaded = new TinyModel(manager);
        HfCheckpoint.LoadReport report = HfCheckpoint.load(
                dir, loaded, HfCheckpoint.LoadOptions.of(Set.of()).allowingUnexpected());
        assertEquals(List.of("decoder.block.0.weight"), report.ignoredUnexpected());
        assertSameWeights(saved, loaded);
    }

    @Test
    void unexpectedTensorsAreListedUpToTen() {
        Map<String, NDArray> extra = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            extra.put("extra." + (char) ('a' + i), manager.ones(new Shape(1)));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensorsOf(new TinyModel(manager), extra));
        CheckpointException e = loadFails(dir, Set.of());
        assertMentions(e, "12 tensor(s)", "'extra.a'", "'extra.j'", "(2 more)");
        assertFalse(e.getMessage().contains("'extra.k'"), e.getMessage());
    }

    @Test
    void tiedAliasesAreSkipped() {
        TinyModel saved = new TinyModel(manager).randomize(9);
        NDArray shared = saved.namedParameters().get("shared.weight").array();
        SafetensorsWriter.write(dir.resolve("model.safetensors"),
                tensorsOf(saved, Map.of("encoder.embed_tokens.weight", shared, "lm_head.weight", shared)));
        TinyModel loaded = new TinyModel(manager);
        HfCheckpoint.LoadReport report = HfCheckpoint.load(
                dir, loaded, Set.of("encoder.embed_tokens.weight", "lm_head.weight", "decoder.embed_tokens.weight"));
        assertEquals(List.of("encoder.embed_tokens.weight", "lm_head.weight"), report.skippedAliases());
        assertSameWeights(saved, loaded);
    }

    @Test
    void tiedParameterIsSavedOnceAndLoadedFromAnyOfItsNames() {
        TinyModel saved = new TinyModel(manager, DataType.FLOAT32, true).randomize(10);
        assertSame(saved.namedParameters().get("shared.weight"),
                saved.namedParameters().get("encoder.embed_tokens.weight"));
        HfCheckpoint.save(dir, saved);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(Set.copyOf(NAMES), f.names());
        }
        TinyModel loaded = new TinyModel(manager, DataType.FLOAT32, true);
        HfCheckpoint.load(dir, loaded, Set.of());
        assertSameWeights(saved, loaded);

        // A checkpoint that only has the alias still fills the tied parameter.
        Map<String, NDArray> tensors = tensorsOf(saved, Map.of());
        tensors.remove("shared.weight");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        TinyModel fromAlias = new TinyModel(manager, DataType.FLOAT32, true);
        HfCheckpoint.load(dir, fromAlias, Set.of());
        assertSameWeights(saved, fromAlias);
    }

    @Test
    void pickleOnlyFolderExplainsConversion() throws IOException {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertMentions(loadFails(dir, Set.of()), dir.toString(), "pytorch_model.bin", "safetensors");
        Path sharded = Files.createDirectories(dir.resolve("sharded"));
        Files.writeString(sharded.resolve("pytorch_model.bin.index.json"), "{}");
        assertMentions(loadFails(sharded, Set.of()), "pytorch_model.bin.index.json", "safetensors");
    }

    @Test
    void missingFolderOrWeightsAreNamed() throws IOException {
        Path absent = dir.resolve("no-such-model");
        assertMentions(loadFails(absent, Set.of()), absent.toString());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertMentions(loadFails(empty, Set.of()), empty.toString(), "model.safetensors");
    }

    @Test
    void failedShardedSaveLeavesPreviousCheckpointLoadable() throws IOException {
        TinyModel previous = new TinyModel(manager).randomize(11);
        HfCheckpoint.save(dir, previous);
        // Occupy the second shard's name so that its final move fails after the first shard is written.
        Path blocker = Files.createDirectories(dir.resolve("model-00002-of-00003.safetensors"));
        Files.writeString(blocker.resolve("keep"), "x");
        assertThrows(CheckpointException.class, () -> HfCheckpoint.save(dir, new TinyModel(manager).randomize(12), 50));
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model.safetensors"), listing(dir));
        TinyModel loaded = new TinyModel(manager);
        HfCheckpoint.load(dir, loaded, Set.of());
        assertSameWeights(previous, loaded);
    }
}
