package org.routelab.backbone.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.routelab.util.AtomicFiles;

/**
 * Writes named arrays as a {@code .safetensors} file in the layout of the reference (Python)
 * implementation: header keys sorted with {@code __metadata__ = {"format": "pt"}} first, the header
 * padded with spaces to a multiple of 8 bytes, then the data, little-endian. The data is laid out by
 * decreasing element size, then by name, so that every tensor starts at a multiple of its element
 * size. The file is replaced atomically ({@link AtomicFiles}); arrays are written one at a time.
 */
public final class SafetensorsWriter {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final int BF16_CHUNK_BYTES = 1 << 16;

    private SafetensorsWriter() {}

    /**
     * Writes arrays in their own data types.
     *
     * @param file the file to create or replace; its directory must exist
     * @param tensors arrays by tensor name
     * @throws CheckpointException if the file cannot be written (a previous file is then intact)
     * @throws IllegalArgumentException if a name is empty or reserved, or an array's type cannot be stored
     */
    public static void write(Path file, Map<String, NDArray> tensors) {
        writeFile(file, tensors, null);
    }

    /**
     * Writes arrays, storing every floating-point one as {@code floatsAs} (e.g. {@link
     * SafetensorsDtype#BF16} to halve a float32 checkpoint); integer and boolean arrays keep their types.
     *
     * @param file the file to create or replace; its directory must exist
     * @param tensors arrays by tensor name
     * @param floatsAs F64, F32, F16 or BF16
     * @throws CheckpointException if the file cannot be written (a previous file is then intact)
     * @throws IllegalArgumentException if a name is empty or reserved, an array's type cannot be stored,
     *     or {@code floatsAs} is not a floating-point type
     */
    public static void write(Path file, Map<String, NDArray> tensors, SafetensorsDtype floatsAs) {
        if (!floatsAs.isFloatingPoint()) {
            throw new IllegalArgumentException("floatsAs must be a floating-point dtype, not " + floatsAs);
        }
        writeFile(file, tensors, floatsAs);
    }

    /**
     * Returns the number of data bytes an array takes in a file.
     *
     * @param name the tensor name (for the error message)
     * @param array the array
     * @param floatsAs the type floating-point arrays are stored as, or null for their own
     * @return element count times stored element size
     */
    static long storedBytes(String name, NDArray array, SafetensorsDtype floatsAs) {
        return array.size() * storedDtype(name, array, floatsAs).byteSize();
    }

    private static SafetensorsDtype storedDtype(String name, NDArray array, SafetensorsDtype floatsAs) {
        SafetensorsDtype own = SafetensorsDtype.of(array.getDataType());
        if (own == null) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "' has data type " + array.getDataType() + ", which cannot be stored");
        }
        return floatsAs != null && own.isFloatingPoint() ? floatsAs : own;
    }

    private record Entry(String name, NDArray array, SafetensorsDtype dtype, long bytes) {}

    /**
     * Writes arrays, storing floating-point ones as {@code floatsAs} unless it is null.
     *
     * @param file the file to create or replace
     * @param tensors arrays by tensor name
     * @param floatsAs a floating-point dtype, or null to keep each array's type
     */
    static void writeFile(Path file, Map<String, NDArray> tensors, SafetensorsDtype floatsAs) {
        List<Entry> byName = new ArrayList<>();
        for (Map.Entry<String, NDArray> t : new TreeMap<>(tensors).entrySet()) {
            String name = t.getKey();
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "' for " + file);
            }
            SafetensorsDtype dtype = storedDtype(name, t.getValue(), floatsAs);
            long numel = t.getValue().size();
            // The array passes through one Java buffer (float32 on the way to BF16), capped at 2 GiB.
            if (numel * (dtype == SafetensorsDtype.BF16 ? 4 : dtype.byteSize()) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' is too large to write (one tensor is limited to 2 GiB)");
            }
            byName.add(new Entry(name, t.getValue(), dtype, numel * dtype.byteSize()));
        }
        List<Entry> dataOrder = new ArrayList<>(byName);
        dataOrder.sort(Comparator.comparingInt((Entry e) -> -e.dtype().byteSize()).thenComparing(Entry::name));
        Map<String, long[]> offsets = new TreeMap<>();
        long offset = 0;
        for (Entry e : dataOrder) {
            offsets.put(e.name(), new long[] {offset, offset + e.bytes()});
            offset += e.bytes();
        }
        ByteBuffer prefix = headerWithLength(byName, offsets);
        try {
            AtomicFiles.writeChannel(file, channel -> {
                AtomicFiles.writeFully(channel, prefix);
                for (Entry e : dataOrder) {
                    writeData(channel, e);
                }
            });
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer headerWithLength(List<Entry> byName, Map<String, long[]> offsets) {
        JsonObject header = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("format", "pt");
        header.add("__metadata__", metadata);
        for (Entry e : byName) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", e.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : e.array().getShape().getShape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray range = new JsonArray();
            range.add(offsets.get(e.name())[0]);
            range.add(offsets.get(e.name())[1]);
            t.add("data_offsets", range);
            header.add(e.name(), t);
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.hasRemaining()) {
            out.put((byte) ' ');
        }
        return out.flip();
    }

    private static void writeData(WritableByteChannel channel, Entry e) throws IOException {
        NDArray array = e.array();
        // Copies made here (device transfer, contiguity, type conversion) are closed with this manager.
        try (NDManager scratch = array.getManager().newSubManager(Device.cpu())) {
            NDArray cpu = array.toDevice(Device.cpu(), true);
            cpu.attach(scratch);
            if (e.dtype() == SafetensorsDtype.BF16) {
                NDArray f32 = cpu.getDataType() == DataType.FLOAT32 ? cpu : cpu.toType(DataType.FLOAT32, false);
                writeBf16(channel, f32.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            } else {
                DataType type = e.dtype().dataType();
                NDArray stored = cpu.getDataType() == type ? cpu : cpu.toType(type, false);
                AtomicFiles.writeFully(channel, stored.toByteBuffer(true));
            }
        }
    }

    private static void writeBf16(WritableByteChannel channel, FloatBuffer values) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(BF16_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (values.hasRemaining()) {
            chunk.clear();
            while (values.hasRemaining() && chunk.hasRemaining()) {
                chunk.putShort(toBf16(values.get()));
            }
            AtomicFiles.writeFully(channel, chunk.flip());
        }
    }

    /**
     * Rounds a float32 to the nearest bfloat16, ties to even, as PyTorch does; NaN stays a (quiet) NaN.
     *
     * @param value the float
     * @return the bfloat16 bits
     */
    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}
