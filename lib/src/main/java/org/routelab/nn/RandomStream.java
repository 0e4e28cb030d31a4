package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * A seeded stream of random numbers owned by whoever draws from it (an experiment, one of its training
 * steps, one forward pass), never the engine's process-global generator: two experiments on two threads
 * draw from their own streams and each gets the numbers it would get alone. Values are drawn in Java and
 * copied into arrays, so they are the same on every device. A stream is not thread-safe: give each thread
 * its own ({@link #of} derives independent streams from seeds).
 */
public final class RandomStream {
    private final SplittableRandom random;

    private RandomStream(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Returns the stream of a seed path, e.g. {@code of(runSeed, step)}: different paths give
     * independent streams, equal paths the same one.
     *
     * @param seeds the seed path (at least one)
     * @return a new stream
     */
    public static RandomStream of(long... seeds) {
        if (seeds.length == 0) {
            throw new IllegalArgumentException("a random stream needs at least one seed");
        }
        long z = 0x243F6A8885A308D3L;
        for (long s : seeds) {
            z = mix(z ^ mix(s + 0x9E3779B97F4A7C15L));
        }
        return new RandomStream(z);
    }

    /** SplitMix64's finaliser: spreads every bit of the input over the output. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Returns the next long of the stream (e.g. to seed a helper that takes a {@code long}). */
    public long nextLong() {
        return random.nextLong();
    }

    /**
     * Returns an array of values drawn uniformly from {@code [low, high)}.
     *
     * @param manager where the array lives
     * @param low the lower bound
     * @param high the upper bound
     * @param shape the shape
     * @param dataType the data type
     * @return the array
     */
    public NDArray uniform(NDManager manager, float low, float high, Shape shape, DataType dataType) {
        double width = (double) high - low;
        return draw(manager, shape, dataType, (out, n) -> {
            for (int i = 0; i < n; i++) {
                out[i] = (float) (low + width * random.nextDouble());
            }
        });
    }

    /**
     * Returns an array of normally distributed values.
     *
     * @param manager where the array lives
     * @param mean the mean
     * @param std the standard deviation
     * @param shape the shape
     * @param dataType the data type
     * @return the array
     */
    public NDArray normal(NDManager manager, float mean, float std, Shape shape, DataType dataType) {
        return draw(manager, shape, dataType, (out, n) -> {
            for (int i = 0; i < n; i++) {
                out[i] = (float) (mean + std * random.nextGaussian());
            }
        });
    }

    /**
     * Applies inverted dropout in a training pass: zeroes each value with probability {@code rate} and
     * scales the others by {@code 1 / (1 - rate)}; returns {@code x} itself when {@code rate} is 0.
     *
     * @param x the values
     * @param rate the drop probability, in {@code [0, 1)}
     * @return the values after dropout, in {@code x}'s manager
     */
    public NDArray dropout(NDArray x, float rate) {
        if (rate == 0f) {
            return x;
        }
        return x.mul(dropoutMask(x.getManager(), x.getShape(), rate, x.getDataType()));
    }

    /**
     * Returns an inverted-dropout mask: 0 with probability {@code rate}, else {@code 1 / (1 - rate)}. Each
     * value compares 32 random bits with {@code rate * 2^32}, two values per drawn long. One product with
     * it is the whole of dropout, forward and backward (cheaper than a boolean mask and a separate scale).
     *
     * @param manager where the array lives
     * @param shape the shape
     * @param rate the drop probability, in {@code [0, 1)}
     * @param dataType the mask's data type
     * @return the mask
     */
    public NDArray dropoutMask(NDManager manager, Shape shape, float rate, DataType dataType) {
        long threshold = Math.round(rate * 0x1p32);
        float scale = 1f / (1f - rate);
        return draw(manager, shape, dataType, (out, n) -> {
            for (int i = 0; i < n; i += 2) {
                long bits = random.nextLong();
                out[i] = (bits & 0xFFFFFFFFL) >= threshold ? scale : 0f;
                if (i + 1 < n) {
                    out[i + 1] = (bits >>> 32) >= threshold ? scale : 0f;
                }
            }
        });
    }

    /** Writes the next {@code n} values of a draw into {@code out[0, n)}. */
    @FunctionalInterface
    private interface Values {
        void write(float[] out, int n);
    }

    /** Values a thread's scratch buffer holds (4 MB); larger draws go through it in chunks. */
    private static final int SCRATCH_VALUES = 1 << 20;

    /**
     * Draws float values into this thread's scratch buffer and copies them into an array of their own.
     * An array made from a direct buffer would share its memory, and a fresh Java direct buffer per draw
     * is freed only when the garbage collector gets to it (hundreds of MB of dropout masks a step).
     */
    private static NDArray draw(NDManager manager, Shape shape, DataType dataType, Values values) {
        int n = Math.toIntExact(shape.size());
        NDArray out;
        if (n <= SCRATCH_VALUES) {
            out = copyOfScratch(manager, values, shape);
        } else {
            // each chunk goes from the scratch buffer straight to its place: one copy, as for a small draw
            try (NDArray flat = manager.create(new Shape(n), DataType.FLOAT32)) {
                for (int from = 0; from < n; from += SCRATCH_VALUES) {
                    int chunk = Math.min(SCRATCH_VALUES, n - from);
                    try (NDArray part = scratch(manager, values, new Shape(chunk))) {
                        flat.set(new NDIndex("{}:{}", from, from + chunk), part);
                    }
                }
                out = flat.reshape(shape); // a view of its own, which outlives flat's handle
            }
        }
        if (dataType == DataType.FLOAT32) {
            return out;
        }
        try (NDArray float32 = out) {
            return float32.toType(dataType, true);
        }
    }

    /** Draws the next {@code shape.size()} values (at most {@link #SCRATCH_VALUES}) into an array of their own. */
    private static NDArray copyOfScratch(NDManager manager, Values values, Shape shape) {
        try (NDArray shared = scratch(manager, values, shape)) {
            return shared.duplicate();
        }
    }

    /**
     * Draws the next {@code shape.size()} values (at most {@link #SCRATCH_VALUES}) into this thread's
     * scratch buffer and returns an array over that memory: valid until the thread's next draw.
     */
    private static NDArray scratch(NDManager manager, Values values, Shape shape) {
        int n = Math.toIntExact(shape.size());
        ByteBuffer bytes = Scratch.get();
        // into a Java array first, then one bulk copy: writing a direct buffer value by value costs more
        // than drawing the values (bounds and address checks per value)
        float[] drawn = Scratch.values();
        values.write(drawn, n);
        bytes.asFloatBuffer().put(drawn, 0, n);
        return manager.create(bytes.slice(0, n * Float.BYTES).order(ByteOrder.nativeOrder()), shape, DataType.FLOAT32);
    }

    /** A per-thread Java array values are drawn into and direct buffer they are copied to, made on first use. */
    private static final class Scratch {
        private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(
                () -> ByteBuffer.allocateDirect(SCRATCH_VALUES * Float.BYTES).order(ByteOrder.nativeOrder()));
        private static final ThreadLocal<float[]> VALUES = ThreadLocal.withInitial(() -> new float[SCRATCH_VALUES]);

        static ByteBuffer get() {
            return BUFFER.get();
        }

        static float[] values() {
            return VALUES.get();
        }
    }
}
