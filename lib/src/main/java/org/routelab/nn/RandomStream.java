package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
        float[] v = new float[Math.toIntExact(shape.size())];
        double width = (double) high - low;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (low + width * random.nextDouble());
        }
        return typed(manager.create(v, shape), dataType);
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
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * random.nextGaussian());
        }
        return typed(manager.create(v, shape), dataType);
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
        NDManager m = x.getManager();
        Shape shape = x.getShape();
        float[] keep = new float[Math.toIntExact(shape.size())];
        float scale = 1f / (1f - rate);
        for (int i = 0; i < keep.length; i++) {
            keep[i] = random.nextDouble() < rate ? 0f : scale;
        }
        return x.mul(typed(m.create(keep, shape), x.getDataType()));
    }

    private static NDArray typed(NDArray a, DataType dataType) {
        return a.getDataType() == dataType ? a : a.toType(dataType, false);
    }
}
