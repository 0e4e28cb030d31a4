package org.routelab.backbone.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An open {@code .safetensors} file: an 8-byte little-endian header length, a JSON header that maps
 * tensor names to dtype, shape and byte range, then the raw little-endian data. The header is read
 * and validated on {@link #open}; tensors are read one at a time, each by mapping only its own byte
 * range, so files of any size (beyond 2 GiB included) are read with memory near one tensor. DJL's
 * own {@code NDList} safetensors decoding is not used because it reads with int offsets into one
 * byte array, which fails beyond 2 GiB and holds the whole file in memory.
 *
 * <p>A single tensor must be smaller than 2 GiB, both as stored and as read (a Java buffer limit).
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The header size limit of the reference implementation; a larger one means a corrupt file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";

    /**
     * One header entry.
     *
     * @param name the tensor's name
     * @param dtype its element type
     * @param shape its shape ({@code ()} for a scalar)
     * @param begin the first byte, relative to the start of the data section
     * @param end one past the last byte, relative to the start of the data section
     */
    public record TensorInfo(String name, SafetensorsDtype dtype, Shape shape, long begin, long end) {
        /** Returns the number of bytes the tensor occupies in the file. */
        public long byteSize() {
            return end - begin;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens a file and validates its header: known dtypes, byte ranges that match dtype and shape, lie
     * inside the file and do not overlap.
     *
     * @param file the {@code .safetensors} file
     * @return the open file; close it when done
     * @throws CheckpointException if the file is missing, unreadable or malformed (the message names
     *     the file and, where one is at fault, the tensor)
     */
    public static SafetensorsFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("safetensors file not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("cannot open safetensors file " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(file, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel, e);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new CheckpointException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static SafetensorsFile parse(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw invalid(file, "it has " + fileSize + " bytes, fewer than the 8-byte header length");
        }
        long headerSize = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerSize < 2 || headerSize > MAX_HEADER_BYTES || headerSize > fileSize - 8) {
            throw invalid(file, "header length " + headerSize + " is impossible for a file of " + fileSize
                    + " bytes");
        }
        ByteBuffer headerBytes = readFully(channel, 8, (int) headerSize);
        String headerText = StandardCharsets.UTF_8.decode(headerBytes).toString();
        JsonObject header;
        try {
            JsonElement parsed = JsonParser.parseString(headerText);
            if (!parsed.isJsonObject()) {
                throw invalid(file, "the header is not a JSON object");
            }
            header = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new CheckpointException(
                    "invalid safetensors file " + file + ": the header is not valid JSON: " + e.getMessage(), e);
        }
        long dataStart = 8 + headerSize;
        long dataSize = fileSize - dataStart;
        Map<String, TensorInfo> tensors = new TreeMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata.putAll(parseMetadata(file, e.getValue()));
            } else {
                TensorInfo t = parseEntry(file, e.getKey(), e.getValue());
                if (t.end() > dataSize) {
                    throw invalid(file, "tensor '" + t.name() + "' has data_offsets [" + t.begin() + ", " + t.end()
                            + "], past the end of the file (the data section has " + dataSize + " bytes)");
                }
                tensors.put(t.name(), t);
            }
        }
        checkNoOverlap(file, tensors.values());
        return new SafetensorsFile(
                file, channel, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static Map<String, String> parseMetadata(Path file, JsonElement value) {
        if (!value.isJsonObject()) {
            throw invalid(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
            JsonElement v = m.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw invalid(file, METADATA_KEY + " entry '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), v.getAsString());
        }
        return out;
    }

    private static TensorInfo parseEntry(Path file, String name, JsonElement value) {
        String where = "tensor '" + name + "'";
        if (!value.isJsonObject()) {
            throw invalid(file, where + " has no dtype/shape/data_offsets object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtypeJson = o.get("dtype");
        if (dtypeJson == null || !dtypeJson.isJsonPrimitive() || !dtypeJson.getAsJsonPrimitive().isString()) {
            throw invalid(file, where + " has no dtype string");
        }
        SafetensorsDtype dtype = SafetensorsDtype.fromHeaderName(dtypeJson.getAsString());
        if (dtype == null) {
            throw invalid(file, where + " has unknown dtype '" + dtypeJson.getAsString() + "'");
        }
        long[] dims = nonNegativeLongs(file, where, "shape", o.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, where, "data_offsets", o.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) {
            throw invalid(file, where + " has data_offsets [" + offsets[0] + ", " + offsets[1]
                    + "] that end before they begin");
        }
        long expected;
        try {
            expected = dtype.byteSize();
            for (long d : dims) {
                expected = Math.multiplyExact(expected, d);
            }
        } catch (ArithmeticException e) {
            throw invalid(file, where + " has a shape too large to address");
        }
        Shape shape = new Shape(dims);
        if (offsets[1] - offsets[0] != expected) {
            throw invalid(file, where + " spans " + (offsets[1] - offsets[0]) + " bytes but " + dtype + " " + shape
                    + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] nonNegativeLongs(Path file, String where, String field, JsonElement value, int length) {
        String problem = where + " has a " + field + " that is not " + (length < 0 ? "a list" : "a pair")
                + " of non-negative integers";
        if (value == null || !value.isJsonArray() || (length >= 0 && value.getAsJsonArray().size() != length)) {
            throw invalid(file, problem);
        }
        List<JsonElement> items = value.getAsJsonArray().asList();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement item = items.get(i);
            try {
                if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isNumber()) {
                    throw invalid(file, problem);
                }
                out[i] = item.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw invalid(file, problem);
            }
            if (out[i] < 0) {
                throw invalid(file, problem);
            }
        }
        return out;
    }

    private static void checkNoOverlap(Path file, Iterable<TensorInfo> infos) {
        List<TensorInfo> byOffset = new ArrayList<>();
        infos.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1);
            TensorInfo cur = byOffset.get(i);
            if (cur.begin() < prev.end()) {
                throw invalid(file, "tensors '" + prev.name() + "' and '" + cur.name() + "' overlap");
            }
        }
    }

    /** Returns the file's path. */
    public Path path() {
        return path;
    }

    /** Returns the tensor names, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Returns every header entry, sorted by name. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Returns the {@code __metadata__} entries (e.g. {@code format=pt}); empty if there are none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Returns whether the file holds a tensor of this name.
     *
     * @param name the tensor name
     * @return whether it is present
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * Returns the header entry of a tensor.
     *
     * @param name the tensor name
     * @return its entry
     * @throws CheckpointException if the file has no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("tensor '" + name + "' not found in " + path);
        }
        return t;
    }

    /**
     * Reads one tensor. Floating-point data (F64, F32, F16, BF16) converts to any floating-point
     * {@code type} except {@code BFLOAT16}; other dtypes (I64, I32, I8, U8, BOOL) are read as themselves.
     * The result owns its memory (it does not alias the file).
     *
     * @param name the tensor name
     * @param type the type of the returned array
     * @param manager the manager (and device) of the returned array
     * @return a new array of the tensor's shape
     * @throws CheckpointException if the tensor is absent, cannot be converted to {@code type}, or the
     *     file cannot be read
     */
    public NDArray read(String name, DataType type, NDManager manager) {
        TensorInfo t = info(name);
        String problem = t.dtype().cannotReadAs(type);
        if (problem == null && type == DataType.BFLOAT16 && "PyTorch".equals(manager.getEngine().getEngineName())) {
            // Checked here because the engine would abort the JVM rather than throw.
            problem = "DJL's PyTorch engine cannot hold BFLOAT16 arrays; read it as FLOAT32 or FLOAT16";
        }
        if (problem != null) {
            throw new CheckpointException("cannot read tensor '" + name + "' from " + path + ": " + problem);
        }
        if (t.shape().size() == 0) {
            return manager.zeros(t.shape(), type);
        }
        boolean widen = t.dtype() == SafetensorsDtype.BF16;
        long readBytes = widen ? t.byteSize() * 2 : t.byteSize();
        if (readBytes > Integer.MAX_VALUE) {
            throw new CheckpointException("cannot read tensor '" + name + "' from " + path + ": " + t.byteSize()
                    + " bytes exceed the 2 GiB limit of one Java buffer");
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDArray raw = widen
                    ? scratch.create(bf16ToF32(map(t)), t.shape(), DataType.FLOAT32)
                    : scratch.create(aligned(t, map(t)), t.shape(), t.dtype().dataType());
            // The raw array aliases the mapping (or a Java buffer); copy it into engine-owned memory.
            NDArray out = raw.getDataType() == type ? raw.duplicate() : raw.toType(type, false);
            out.attach(manager);
            return out;
        } catch (IOException e) {
            throw new CheckpointException(
                    "cannot read tensor '" + name + "' from " + path + ": " + e.getMessage(), e);
        }
    }

    private ByteBuffer map(TensorInfo t) throws IOException {
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteSize())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Copies data whose file offset is not a multiple of the element size into an aligned buffer. */
    private ByteBuffer aligned(TensorInfo t, ByteBuffer mapped) {
        if ((dataStart + t.begin()) % t.dtype().byteSize() == 0) {
            return mapped;
        }
        ByteBuffer copy = ByteBuffer.allocateDirect(mapped.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(mapped).flip();
        return copy;
    }

    /** Widens bfloat16 to float32: a bfloat16 is the upper 16 bits of the float32 with the same value. */
    private static ByteBuffer bf16ToF32(ByteBuffer bf16) {
        ShortBuffer in = bf16.asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
        IntBuffer bits = out.asIntBuffer();
        while (in.hasRemaining()) {
            bits.put((in.get() & 0xFFFF) << 16);
        }
        return out;
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new EOFException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static CheckpointException invalid(Path file, String problem) {
        return new CheckpointException("invalid safetensors file " + file + ": " + problem);
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        try {
            channel.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    /** Closes the file. Arrays already read stay valid. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException("cannot close " + path + ": " + e.getMessage(), e);
        }
    }

    /** Returns a short description: the path and the number of tensors. */
    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
