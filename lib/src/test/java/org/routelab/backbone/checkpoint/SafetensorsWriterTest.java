package org.routelab.backbone.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
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

    private Map<String, NDArray> mixedTensors() {
        float[] special = {
            1.5f, -2.25f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7FC00123), 0.1f
        };
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("f32", manager.create(special, new Shape(2, 4)));
        t.put("f16", manager.create(new float[] {1.5f, -2.25f, 65504f}).toType(DataType.FLOAT16, false));
        t.put("f64", manager.create(new double[] {Math.PI, -1e300}));
        t.put("i64", manager.create(new long[] {Long.MIN_VALUE, 42}));
        t.put("i32", manager.create(new int[] {-7, Integer.MAX_VALUE, 0}));
        t.put("i8", manager.create(new byte[] {-128, 127}));
        t.put("u8", manager.create(ByteBuffer.wrap(new byte[] {0, (byte) 255}), new Shape(2), DataType.UINT8));
        t.put("bool", manager.create(new boolean[] {true, false, true}));
        t.put("scalar", manager.create(3.25f));
        t.put("empty", manager.zeros(new Shape(0, 2)));
        return t;
    }

    @Test
    void roundTripIsBitIdentical() {
        Path path = dir.resolve("mixed.safetensors");
        Map<String, NDArray> tensors = mixedTensors();
        SafetensorsWriter.write(path, tensors);
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertEquals(tensors.keySet().stream().sorted().collect(Collectors.toList()), List.copyOf(f.names()));
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                NDArray expected = e.getValue();
                NDArray actual = f.read(e.getKey(), expected.getDataType(), manager);
                assertEquals(expected.getShape(), actual.getShape(), e.getKey());
                assertEquals(expected.getDataType(), actual.getDataType(), e.getKey());
                assertArrayEquals(expected.toByteArray(), actual.toByteArray(), e.getKey());
            }
        }
    }

    @Test
    void writesNonContiguousArraysInLogicalOrder() {
        Path path = dir.resolve("t.safetensors");
        NDArray transposed = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)).transpose();
        SafetensorsWriter.write(path, Map.of("t", transposed));
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            NDArray back = f.read("t", DataType.FLOAT32, manager);
            assertEquals(new Shape(3, 2), back.getShape());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, back.toFloatArray());
        }
    }

    @Test
    void layoutFollowsTheReference() throws IOException {
        Path path = dir.resolve("mixed.safetensors");
        SafetensorsWriter.write(path, mixedTensors());
        byte[] bytes = Files.readAllBytes(path);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"bool\":{\"dtype\":\"BOOL\",\"shape\":[3],"
                + "\"data_offsets\":["), header);
        assertTrue(header.stripTrailing().endsWith("}") && header.length() - header.stripTrailing().length() < 8);
        List<Integer> keyOrder = Stream.of("bool", "empty", "f16", "f32", "f64", "i32", "i64", "i8", "scalar", "u8")
                .map(k -> header.indexOf("\"" + k + "\":{")).collect(Collectors.toList());
        assertEquals(keyOrder.stream().sorted().collect(Collectors.toList()), keyOrder, header);
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            long end = 0;
            for (SafetensorsFile.TensorInfo t : f.tensors().values().stream()
                    .sorted((a, b) -> Long.compare(a.begin(), b.begin())).collect(Collectors.toList())) {
                assertEquals(0, t.begin() % t.dtype().byteSize(), t.name() + " is misaligned");
                assertEquals(Math.max(end, t.begin()), t.begin(), t.name() + " leaves a gap");
                end = t.end();
            }
            assertEquals(bytes.length - 8 - headerLength, end);
        }
    }

    @Test
    void storesFloatsAsBf16WithRoundToNearestEven() throws IOException {
        Path path = dir.resolve("bf16.safetensors");
        float[] values = {1.5f, -2.25f, 1f + 0x1p-8f, 1f + 3 * 0x1p-8f, Float.NaN, Float.MAX_VALUE};
        Map<String, NDArray> tensors = Map.of(
                "w", manager.create(values), "ids", manager.create(new long[] {5, 6}));
        SafetensorsWriter.write(path, tensors, SafetensorsDtype.BF16);
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertEquals(SafetensorsDtype.BF16, f.info("w").dtype());
            assertEquals(SafetensorsDtype.I64, f.info("ids").dtype());
            float[] back = f.read("w", DataType.FLOAT32, manager).toFloatArray();
            // 1 + 2^-8 is halfway between 1 and 1 + 2^-7 and rounds to the even 1; 1 + 3*2^-8 rounds up to 1 + 2^-6.
            assertArrayEquals(new float[] {1.5f, -2.25f, 1f, 1f + 0x1p-6f}, java.util.Arrays.copyOf(back, 4));
            assertTrue(Float.isNaN(back[4]));
            // Float.MAX_VALUE lies above the largest bfloat16 and rounds to infinity, as in PyTorch.
            assertEquals(Float.POSITIVE_INFINITY, back[5]);
            assertArrayEquals(new long[] {5, 6}, f.read("ids", DataType.INT64, manager).toLongArray());
        }
        byte[] bytes = Files.readAllBytes(path);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            int at = (int) (8 + headerLength + f.info("w").begin());
            ByteBuffer data = ByteBuffer.wrap(bytes, at, 4).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x3FC0, data.getShort() & 0xFFFF);
            assertEquals(0xC010, data.getShort() & 0xFFFF);
        }
    }

    @Test
    void storesFloatsAsF16() {
        Path path = dir.resolve("f16.safetensors");
        SafetensorsWriter.write(path, Map.of("w", manager.create(new double[] {1.5, -2.25})), SafetensorsDtype.F16);
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertEquals(SafetensorsDtype.F16, f.info("w").dtype());
            assertEquals(4, f.info("w").byteSize());
            assertArrayEquals(new float[] {1.5f, -2.25f}, f.read("w", DataType.FLOAT32, manager).toFloatArray());
        }
    }

    @Test
    void failedWriteKeepsPreviousFile() throws IOException {
        Path path = dir.resolve("model.safetensors");
        SafetensorsWriter.write(path, Map.of("a", manager.create(new float[] {1, 2})));
        byte[] before = Files.readAllBytes(path);
        Map<String, NDArray> broken = new LinkedHashMap<>();
        broken.put("a", manager.create(new float[] {3, 4}));
        NDArray closed = manager.create(new float[] {5, 6});
        broken.put("b", closed);
        closed.close();
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(path, broken));
        assertArrayEquals(before, Files.readAllBytes(path));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(path), s.collect(Collectors.toList()));
        }
    }

    @Test
    void rejectsReservedNamesAndNonFloatStorage() {
        Path path = dir.resolve("x.safetensors");
        NDArray a = manager.create(new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(path, Map.of("__metadata__", a)));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(path, Map.of("a", a), SafetensorsDtype.I32));
    }
}
