package org.routelab.backbone.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors bytes by hand, the way the Python implementation lays them out. */
final class SafetensorsTestFiles {
    private SafetensorsTestFiles() {}

    /**
     * Returns the length of {@code header} (compact JSON padded with spaces to a multiple of 8), the
     * padded header, then {@code data}.
     */
    static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.position() < 8 + padded) {
            b.put((byte) ' ');
        }
        return b.put(data).array();
    }

    /**
     * Concatenates little-endian encodings: Float as F32, Short as 16 bits, Long as I64, Integer as
     * I32, Byte as one byte.
     */
    static byte[] le(Object... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Object v : values) {
            if (v instanceof Float f) {
                b.putFloat(f);
            } else if (v instanceof Short s) {
                b.putShort(s);
            } else if (v instanceof Long l) {
                b.putLong(l);
            } else if (v instanceof Integer i) {
                b.putInt(i);
            } else {
                b.put((Byte) v);
            }
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }
}
