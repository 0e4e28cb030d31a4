package org.routelab.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A step's lower bound from its arithmetic: the matrix products PyTorch's profiler records in some
 * steps, each shape replayed in a tight loop on the same engine and threads (the fastest call: other
 * work on the machine only ever adds time). Shared by {@code bench step}, which lists the products,
 * and {@code bench routing}, which sets each method's products against LoRA's.
 */
final class ProductBound {
    /** The leaf operations whose time is the arithmetic of matrix products. */
    private static final Set<String> PRODUCTS = Set.of("aten::mm", "aten::bmm", "aten::addmm", "aten::baddbmm");

    private ProductBound() {}

    /**
     * Runs steps under PyTorch's profiler and sums its trace.
     *
     * @param step runs the step of the given index
     * @param first the index of the first profiled step
     * @param steps how many steps to profile
     * @param keep the file to keep the Chrome trace in, or null to delete it
     * @return the trace summed per operation and per product shape, per step
     * @throws IOException if the trace cannot be written or read
     */
    static Profile profile(IntConsumer step, int first, int steps, Path keep) throws IOException {
        Path trace = keep != null ? keep.toAbsolutePath() : Files.createTempFile("routelab-step-", ".json");
        try {
            JniUtils.startProfile(false, true, false);
            for (int s = 0; s < steps; s++) {
                step.accept(first + s);
            }
            JniUtils.stopProfile(trace.toString());
            return Profile.read(trace, steps);
        } finally {
            if (keep == null) {
                Files.deleteIfExists(trace);
            }
        }
    }

    /**
     * Returns the milliseconds of one product of the profiled shapes, e.g. {@code [[512, 512], [512, 64]]}.
     *
     * @param op the operation, one of {@code aten::mm, bmm, addmm, baddbmm}
     * @param shapes the profiler's shapes of its arguments
     * @param manager where the factors are made (and closed)
     * @return the fastest of several calls
     */
    static double replay(String op, String shapes, NDManager manager) {
        JsonArray dims = JsonParser.parseString(shapes).getAsJsonArray();
        // addmm and baddbmm take the added term first; the product's factors are the next two.
        int first = op.equals("aten::addmm") || op.equals("aten::baddbmm") ? 1 : 0;
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomUniform(-1, 1, shape(dims.get(first)));
            NDArray b = scope.randomUniform(-1, 1, shape(dims.get(first + 1)));
            a.matMul(b).close();
            // at least 10 calls over at least 100 ms: a busy moment of the machine can span a shorter window
            double best = Double.MAX_VALUE;
            long start = System.nanoTime();
            for (int reps = 0; reps < 10 || System.nanoTime() - start < 100_000_000L; reps++) {
                long t = System.nanoTime();
                a.matMul(b).close();
                best = Math.min(best, (System.nanoTime() - t) / 1e6);
            }
            return best;
        }
    }

    private static Shape shape(JsonElement dims) {
        JsonArray a = dims.getAsJsonArray();
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsLong();
        }
        return new Shape(s);
    }

    /**
     * A profiler trace summed per operation: calls and self time (an operation's time minus that of the
     * operations it called) per step, and the calls per step of each matrix product's shapes.
     *
     * @param byName per operation, {calls, self milliseconds} per step
     * @param products per {@code "operation shapes"}, calls per step
     * @param calls all operator calls per step
     * @param selfMs all operators' self time per step
     */
    record Profile(Map<String, double[]> byName, Map<String, Double> products, double calls, double selfMs) {
        /**
         * Returns the milliseconds per step of the products alone, each shape {@link #replay replayed}.
         *
         * @param manager where the factors are made
         * @return the lower bound
         */
        double productMs(NDManager manager) {
            double bound = 0;
            for (Map.Entry<String, Double> e : products.entrySet()) {
                bound += productMs(e.getKey(), manager);
            }
            return bound;
        }

        /**
         * Returns the milliseconds per step of one product shape, replayed.
         *
         * @param key a key of {@link #products}
         * @param manager where the factors are made
         * @return its calls per step times one call's time
         */
        double productMs(String key, NDManager manager) {
            String[] parts = key.split(" ", 2);
            return replay(parts[0], parts[1], manager) * products.get(key);
        }

        static Profile read(Path trace, int steps) throws IOException {
            JsonElement root;
            try (Reader r = Files.newBufferedReader(trace)) {
                root = JsonParser.parseReader(r);
            }
            JsonArray events = root.isJsonArray() ? root.getAsJsonArray() : root.getAsJsonObject().getAsJsonArray("traceEvents");
            Map<String, List<JsonObject>> byThread = new HashMap<>();
            for (JsonElement e : events) {
                JsonObject o = e.getAsJsonObject();
                if (o.has("ph") && o.get("ph").getAsString().equals("X") && o.has("dur")) {
                    byThread.computeIfAbsent(o.get("tid").getAsString(), k -> new ArrayList<>()).add(o);
                }
            }
            Map<String, double[]> byName = new LinkedHashMap<>();
            Map<String, Double> products = new LinkedHashMap<>();
            double calls = 0;
            double self = 0;
            for (List<JsonObject> thread : byThread.values()) {
                thread.sort(Comparator.comparingDouble((JsonObject o) -> o.get("ts").getAsDouble())
                        .thenComparingDouble(o -> -o.get("dur").getAsDouble()));
                Deque<double[]> open = new ArrayDeque<>(); // {end, index}
                double[] selfTimes = new double[thread.size()];
                for (int i = 0; i < thread.size(); i++) {
                    JsonObject o = thread.get(i);
                    double ts = o.get("ts").getAsDouble();
                    double dur = o.get("dur").getAsDouble();
                    while (!open.isEmpty() && open.peek()[0] <= ts) {
                        open.pop();
                    }
                    selfTimes[i] = dur;
                    if (!open.isEmpty()) {
                        selfTimes[(int) open.peek()[1]] -= dur;
                    }
                    open.push(new double[] {ts + dur, i});
                }
                for (int i = 0; i < thread.size(); i++) {
                    JsonObject o = thread.get(i);
                    String name = o.get("name").getAsString();
                    double[] sums = byName.computeIfAbsent(name, k -> new double[2]);
                    sums[0] += 1.0 / steps;
                    sums[1] += selfTimes[i] / 1000 / steps;
                    calls += 1.0 / steps;
                    self += selfTimes[i] / 1000 / steps;
                    if (PRODUCTS.contains(name) && o.has("shape")) {
                        products.merge(name + " " + o.get("shape"), 1.0 / steps, Double::sum);
                    }
                }
            }
            return new Profile(byName, products, calls, self);
        }
    }
}
