package org.routelab.backbone.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.routelab.backbone.checkpoint.SafetensorsTestFiles.file;
import static org.routelab.backbone.checkpoint.SafetensorsTestFiles.le;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    /** The layout Python's safetensors writes: compact JSON, metadata first, no gaps between tensors. */
    private static final String PYTHON_HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
            + "\"b16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[16,20]},"
            + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[20,26]},"
            // Starts at byte 26: not a multiple of 8, so the reader must realign it.
            + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[26,42]},"
            + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[42,45]},"
            + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[45,49]},"
            + "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[49,51]},"
            + "\"n\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[51,55]},"
            + "\"q\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[55,57]},"
            + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[57,57]}}";
    private static final byte[] PYTHON_DATA = le(
            1.5f, -2.25f, 0.1f, 1e-30f, // a
            (short) 0x3FC0, (short) 0xC010, // b16: 1.5, -2.25
            (short) 0x3E00, (short) 0xC080, (short) 0x7C00, // h: 1.5, -2.25, +inf
            -1L, 1L << 40, // ids
            (byte) 1, (byte) 0, (byte) 1, // mask
            7.5f, // s
            (byte) 0, (byte) 255, // u
            -7, // n
            (short) 3); // q

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

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private float[] readFloats(SafetensorsFile f, String name) {
        return f.read(name, DataType.FLOAT32, manager).toFloatArray();
    }

    @Test
    void readsFileInPythonLayout() throws IOException {
        Path path = write("python.safetensors", file(PYTHON_HEADER, PYTHON_DATA));
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertEquals(List.of("a", "b16", "empty", "h", "ids", "mask", "n", "q", "s", "u"), List.copyOf(f.names()));
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(new Shape(2, 2), f.info("a").shape());
            assertEquals(SafetensorsDtype.BF16, f.info("b16").dtype());
            assertEquals(new Shape(), f.info("s").shape());

            NDArray a = f.read("a", DataType.FLOAT32, manager);
            assertEquals(new Shape(2, 2), a.getShape());
            assertArrayEquals(new float[] {1.5f, -2.25f, 0.1f, 1e-30f}, a.toFloatArray());
            assertArrayEquals(new float[] {1.5f, -2.25f}, readFloats(f, "b16"));
            assertArrayEquals(new float[] {1.5f, -2.25f, Float.POSITIVE_INFINITY}, readFloats(f, "h"));
            NDArray hAs64 = f.read("h", DataType.FLOAT64, manager);
            assertArrayEquals(new double[] {1.5, -2.25, Double.POSITIVE_INFINITY}, hAs64.toDoubleArray());
            NDArray b16As16 = f.read("b16", DataType.FLOAT16, manager);
            assertEquals(DataType.FLOAT16, b16As16.getDataType());
            assertArrayEquals(new float[] {1.5f, -2.25f}, b16As16.toType(DataType.FLOAT32, false).toFloatArray());
            assertArrayEquals(new long[] {-1L, 1L << 40}, f.read("ids", DataType.INT64, manager).toLongArray());
            assertArrayEquals(
                    new boolean[] {true, false, true}, f.read("mask", DataType.BOOLEAN, manager).toBooleanArray());
            NDArray s = f.read("s", DataType.FLOAT32, manager);
            assertEquals(new Shape(), s.getShape());
            assertEquals(7.5f, s.getFloat());
            assertArrayEquals(new byte[] {0, (byte) 255}, f.read("u", DataType.UINT8, manager).toByteArray());
            assertArrayEquals(new int[] {-7}, f.read("n", DataType.INT32, manager).toIntArray());
            assertEquals(new Shape(0, 3), f.read("empty", DataType.FLOAT32, manager).getShape());
        }
    }

    @Test
    void readArraysOwnTheirMemory() throws IOException {
        Path path = write("python.safetensors", file(PYTHON_HEADER, PYTHON_DATA));
        NDArray a;
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            a = f.read("a", DataType.FLOAT32, manager);
        }
        Files.write(path, new byte[PYTHON_DATA.length + 1024]);
        a.addi(1f);
        assertArrayEquals(new float[] {2.5f, -1.25f, 1.1f, 1f}, a.toFloatArray());
    }

    @Test
    void rejectsUnsupportedConversionsWithoutCrashing() throws IOException {
        Path path = write("python.safetensors", file(PYTHON_HEADER, PYTHON_DATA));
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            // DJL's PyTorch engine aborts the JVM on BFLOAT16 arrays; the reader must refuse first.
            CheckpointException bf16 = assertThrows(CheckpointException.class,
                    () -> f.read("b16", DataType.BFLOAT16, manager));
            assertTrue(bf16.getMessage().contains("'b16'") && bf16.getMessage().contains("BFLOAT16"),
                    bf16.getMessage());
            CheckpointException ids = assertThrows(CheckpointException.class,
                    () -> f.read("ids", DataType.FLOAT32, manager));
            assertTrue(ids.getMessage().contains("'ids'") && ids.getMessage().contains("python.safetensors"),
                    ids.getMessage());
            CheckpointException q = assertThrows(CheckpointException.class, () -> f.read("q", DataType.INT32, manager));
            assertTrue(q.getMessage().contains("I16"), q.getMessage());
            CheckpointException missing = assertThrows(CheckpointException.class,
                    () -> f.read("nope", DataType.FLOAT32, manager));
            assertTrue(missing.getMessage().contains("'nope'") && missing.getMessage().contains("python.safetensors"),
                    missing.getMessage());
        }
    }

    private CheckpointException invalid(String name, byte[] bytes) throws IOException {
        Path path = write(name, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path).close());
        assertTrue(e.getMessage().contains(name), e.getMessage());
        return e;
    }

    @Test
    void rejectsTensorPastEndOfFile() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        CheckpointException e = invalid("truncated.safetensors", file(header, le(1f, 2f)));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void rejectsByteRangeThatDisagreesWithShape() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}";
        CheckpointException e = invalid("size.safetensors", file(header, le(1f, 2f, 3f, 4f)));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("needs 16"), e.getMessage());
    }

    @Test
    void rejectsUnknownDtype() throws IOException {
        String header = "{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        CheckpointException e = invalid("dtype.safetensors", file(header, new byte[1]));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("Q7"), e.getMessage());
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        CheckpointException e = invalid("overlap.safetensors", file(header, new byte[12]));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("'v'"), e.getMessage());
    }

    @Test
    void rejectsMalformedHeaders() throws IOException {
        invalid("short.safetensors", new byte[5]);
        byte[] hugeLength = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        assertTrue(invalid("length.safetensors", hugeLength).getMessage().contains("header length 1000"));
        assertTrue(invalid("json.safetensors", file("{\"w\": [", new byte[0])).getMessage().contains("JSON"));
        String negative = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}";
        assertTrue(invalid("negative.safetensors", file(negative, new byte[0])).getMessage().contains("'w'"));
        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> SafetensorsFile.open(dir.resolve("absent.safetensors")));
        assertTrue(missing.getMessage().contains("absent.safetensors"), missing.getMessage());
    }

    @Test
    void readsTensorsBeyondTwoGibibytes() throws IOException {
        long pad = (5L << 29); // 2.5 GiB, as a sparse hole
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + pad + "],\"data_offsets\":[0," + pad + "]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + pad + "," + (pad + 8) + "]}}";
        byte[] headerOnly = file(header, new byte[0]);
        Path path = dir.resolve("big.safetensors");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(headerOnly));
            ch.write(ByteBuffer.wrap(le(1.5f, -2.25f)), headerOnly.length + pad);
        }
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertEquals(pad, f.info("pad").byteSize());
            assertArrayEquals(new float[] {1.5f, -2.25f}, readFloats(f, "w"));
            CheckpointException tooBig = assertThrows(CheckpointException.class,
                    () -> f.read("pad", DataType.UINT8, manager));
            assertTrue(tooBig.getMessage().contains("'pad'") && tooBig.getMessage().contains("2 GiB"),
                    tooBig.getMessage());
        }
    }
}
