package org.routelab.backbone.checkpoint;

import ai.djl.ndarray.types.DataType;

/**
 * The element types a safetensors header may name (the whole-byte ones), with their sizes and the
 * DJL type each is read as. Types without a DJL counterpart are still recognised so that a header
 * using them validates and lists; reading such a tensor is an error.
 *
 * <p>{@link #BF16} has a DJL type, but DJL 0.35's PyTorch engine has no bfloat16 mapping in its
 * native layer: creating or converting to a {@code BFLOAT16} array aborts the JVM. BF16 data is
 * therefore converted in Java, from and to float32.
 */
public enum SafetensorsDtype {
    /** 64-bit float. */
    F64(8, DataType.FLOAT64),
    /** 32-bit float. */
    F32(4, DataType.FLOAT32),
    /** IEEE half precision. */
    F16(2, DataType.FLOAT16),
    /** bfloat16: the upper half of a float32. */
    BF16(2, DataType.BFLOAT16),
    /** 64-bit signed integer. */
    I64(8, DataType.INT64),
    /** 32-bit signed integer. */
    I32(4, DataType.INT32),
    /** 16-bit signed integer (not readable). */
    I16(2, null),
    /** 8-bit signed integer. */
    I8(1, DataType.INT8),
    /** 64-bit unsigned integer (not readable). */
    U64(8, null),
    /** 32-bit unsigned integer (not readable). */
    U32(4, null),
    /** 16-bit unsigned integer (not readable). */
    U16(2, null),
    /** 8-bit unsigned integer. */
    U8(1, DataType.UINT8),
    /** Boolean, one byte each. */
    BOOL(1, DataType.BOOLEAN),
    /** 8-bit float, 4 exponent bits (not readable). */
    F8_E4M3(1, null),
    /** 8-bit float, 5 exponent bits (not readable). */
    F8_E5M2(1, null);

    private final int byteSize;
    private final DataType dataType;

    SafetensorsDtype(int byteSize, DataType dataType) {
        this.byteSize = byteSize;
        this.dataType = dataType;
    }

    /** Returns the size of one element in bytes. */
    public int byteSize() {
        return byteSize;
    }

    /** Returns whether this is a floating-point type (one that converts to any other float type on reading). */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /**
     * Parses the name used in safetensors headers.
     *
     * @param name e.g. {@code F32}
     * @return the type, or null if the name is not a known whole-byte type
     */
    static SafetensorsDtype fromHeaderName(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Returns the type a DJL array of {@code type} is stored as.
     *
     * @param type the array's type
     * @return the stored type, or null if safetensors or this writer cannot store it
     */
    static SafetensorsDtype of(DataType type) {
        for (SafetensorsDtype d : values()) {
            if (d.dataType == type) {
                return d;
            }
        }
        return null;
    }

    /**
     * Says why a tensor of this type cannot be read as {@code target}, or returns null when it can:
     * floats convert to any float type, other types are read only as themselves.
     *
     * @param target the requested DJL type
     * @return the reason, or null
     */
    String cannotReadAs(DataType target) {
        if (dataType == null) {
            return "dtype " + this + " is not supported by RouteLab";
        }
        boolean targetIsFloat =
                target == DataType.FLOAT64 || target == DataType.FLOAT32 || target == DataType.FLOAT16
                        || target == DataType.BFLOAT16;
        if (isFloatingPoint() ? !targetIsFloat : target != dataType) {
            return "dtype " + this + " cannot be read as " + target;
        }
        return null;
    }

    /** Returns the DJL type this is read as without conversion, or null where there is none. */
    public DataType dataType() {
        return dataType;
    }
}
