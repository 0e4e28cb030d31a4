package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding (RoPE) in Hugging Face's "rotate half" layout: dimension {@code i} and
 * {@code i + D/2} of a head form one pair, rotated by the angle {@code position * invFreq[i]} with
 * {@code invFreq[i] = theta^(-2i/D)}, so that query-key products depend only on relative positions.
 *
 * <p>Frequencies and angles are computed in float32 in the same order of operations as Hugging
 * Face's {@code LlamaRotaryEmbedding}, so the tables match it to the last bit or so; they are built
 * on the CPU in Java for the positions a pass needs (nothing is cached across passes).
 */
public final class RotaryEmbedding {
    private final float[] inverseFrequencies;
    private final int headDim;

    /**
     * Creates the embedding of a configuration (head size, {@code rope_theta}, {@code rope_scaling}).
     *
     * @param config the architecture
     */
    public RotaryEmbedding(LlamaConfig config) {
        this.headDim = config.headDim();
        this.inverseFrequencies = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    /**
     * Returns the rotation frequency of each dimension pair, rescaled as the configuration says.
     *
     * @param headDim the per-head size (even)
     * @param theta the base ({@code rope_theta})
     * @param scaling the long-context rescaling
     * @return {@code headDim / 2} frequencies
     */
    public static float[] inverseFrequencies(int headDim, double theta, LlamaConfig.RopeScaling scaling) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            inv[i] = 1f / (float) Math.pow((float) theta, exponent);
        }
        switch (scaling.type()) {
            case "default" -> { }
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= (float) scaling.factor();
                }
            }
            case "llama3" -> llama3(inv, scaling);
            default -> throw new IllegalArgumentException("unsupported rope scaling " + scaling.type());
        }
        return inv;
    }

    /**
     * Llama 3's rescaling: long wavelengths are slowed down by {@code factor}, short ones kept, and
     * the band between them interpolated smoothly.
     */
    private static void llama3(float[] inv, LlamaConfig.RopeScaling s) {
        float factor = (float) s.factor();
        float low = (float) s.lowFreqFactor();
        float high = (float) s.highFreqFactor();
        float original = s.originalMaxPositions();
        float lowFreqWavelength = original / low;
        float highFreqWavelength = original / high;
        for (int i = 0; i < inv.length; i++) {
            float wavelength = (float) (2 * Math.PI) / inv[i];
            float scaled = wavelength > lowFreqWavelength ? inv[i] / factor : inv[i];
            if (!(wavelength < highFreqWavelength) && !(wavelength > lowFreqWavelength)) {
                float smooth = (original / wavelength - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }

    /** Returns the per-head size this embedding rotates. */
    public int headDim() {
        return headDim;
    }

    /**
     * Computes the rotation of a block of positions: row {@code b}, step {@code t} is at position
     * {@code offsets[b] + t}. Rows that share their offset share one table.
     *
     * @param manager where the tables are created
     * @param offsets the position of each row's first step (one entry when all rows start alike)
     * @param length the number of steps
     * @param dataType the type of the states rotated (tables are cast to it, as Hugging Face does)
     * @return the cosine and sine tables
     */
    public Angles angles(NDManager manager, int[] offsets, int length, DataType dataType) {
        int half = inverseFrequencies.length;
        float[] cos = new float[offsets.length * length * headDim];
        float[] sin = new float[cos.length];
        for (int b = 0; b < offsets.length; b++) {
            for (int t = 0; t < length; t++) {
                float position = offsets[b] + t;
                int base = (b * length + t) * headDim;
                for (int i = 0; i < half; i++) {
                    float angle = position * inverseFrequencies[i];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[base + i] = c;
                    cos[base + half + i] = c;
                    sin[base + i] = s;
                    sin[base + half + i] = s;
                }
            }
        }
        Shape shape = new Shape(offsets.length, 1, length, headDim);
        NDArray c = manager.create(cos, shape);
        NDArray s = manager.create(sin, shape);
        if (dataType != DataType.FLOAT32) {
            c = c.toType(dataType, false);
            s = s.toType(dataType, false);
        }
        return new Angles(c, s);
    }

    /**
     * The cosine and sine of every position and dimension of a block.
     *
     * @param cos {@code [rows, 1, L, D]}, rows being 1 or the batch size
     * @param sin {@code [rows, 1, L, D]}
     */
    public record Angles(NDArray cos, NDArray sin) {
        /**
         * Rotates queries or keys: {@code x cos + rotate_half(x) sin} with
         * {@code rotate_half([x1, x2]) = [-x2, x1]}.
         *
         * @param x per-head states {@code [B, H, L, D]}
         * @return the rotated states
         */
        public NDArray rotate(NDArray x) {
            NDList halves = x.split(2, x.getShape().dimension() - 1);
            NDArray rotated = halves.get(1).neg().concat(halves.get(0), -1);
            return x.mul(cos).add(rotated.mul(sin));
        }
    }
}
