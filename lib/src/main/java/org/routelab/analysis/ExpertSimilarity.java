package org.routelab.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.routelab.analysis.AdapterWeights;

/**
 * How alike the experts of one adapted layer are, from their trained weights: each expert's slices of
 * the adapter's own parameters (e.g. Poly's {@code lora_a [1, S, d_in, r]} and {@code lora_b [1, S, r,
 * d_out]} along the skill axis 1) are concatenated into one vector, and the vectors compared by cosine
 * similarity. Experts that learned distinct skills come out near 0; experts that collapsed onto each
 * other near 1 (the TensorPoly paper's expert-similarity figure).
 */
public final class ExpertSimilarity {
    private ExpertSimilarity() {}

    /**
     * Returns the adapters that hold expert parameters, e.g. {@code encoder.block.0.layer.0.SelfAttention.q.adapter}.
     *
     * @param trained the trained parameters
     * @return adapter paths in model order
     */
    public static List<String> adapters(AdapterWeights trained) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : trained.names()) {
            int at = name.lastIndexOf(".adapter.");
            if (at >= 0 && name.indexOf('.', at + ".adapter.".length()) < 0) {
                out.add(name.substring(0, at + ".adapter".length()));
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * Compares the experts of one adapter.
     *
     * @param trained the trained parameters
     * @param adapter the adapter's path (see {@link #adapters})
     * @param expertAxes the axes of the adapter's parameters that index experts: 1 for Poly, MHR
     *     (skills) and TensorPoly-I (tensor ranks of {@code leaves [N, R, r, l]}), {@code 0, 1} for
     *     TensorPoly-II (every order and rank is an expert), 0 for MoE-LoRA and OrchMoE
     * @return the similarity of every pair of experts, labelled by their indices along the axes
     * @throws IllegalArgumentException if the adapter has no parameters or they disagree on the experts
     */
    public static Similarity of(AdapterWeights trained, String adapter, int... expertAxes) {
        List<String> params = new ArrayList<>();
        for (String name : trained.names()) {
            if (name.startsWith(adapter + ".") && name.indexOf('.', adapter.length() + 1) < 0) {
                params.add(name);
            }
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException("no parameters under adapter '" + adapter + "'; adapters: "
                    + adapters(trained));
        }
        double[][] vectors = null;
        List<String> labels = null;
        for (String name : params) {
            long[] shape = trained.shape(name);
            Split split = Split.of(name, shape, expertAxes);
            double[][] part = split.vectors(trained.values(name));
            if (vectors == null) {
                vectors = part;
                labels = split.labels();
            } else if (part.length != vectors.length) {
                throw new IllegalArgumentException(name + " has " + part.length + " experts along axes "
                        + Arrays.toString(expertAxes) + ", an earlier parameter has " + vectors.length);
            } else {
                for (int e = 0; e < part.length; e++) {
                    double[] joined = Arrays.copyOf(vectors[e], vectors[e].length + part[e].length);
                    System.arraycopy(part[e], 0, joined, vectors[e].length, part[e].length);
                    vectors[e] = joined;
                }
            }
        }
        return Similarity.cosine(labels, vectors);
    }

    /** A parameter's shape split into expert axes (leading, in the given order) and the rest. */
    private record Split(long[] shape, int[] axes) {
        static Split of(String name, long[] shape, int[] axes) {
            if (axes.length == 0) {
                throw new IllegalArgumentException("give at least one expert axis");
            }
            for (int a : axes) {
                if (a < 0 || a >= shape.length) {
                    throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape)
                            + ": no axis " + a);
                }
            }
            return new Split(shape, axes.clone());
        }

        int experts() {
            int n = 1;
            for (int a : axes) {
                n *= (int) shape[a];
            }
            return n;
        }

        List<String> labels() {
            List<String> out = new ArrayList<>();
            for (int e = 0; e < experts(); e++) {
                int[] index = expertIndex(e);
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < index.length; i++) {
                    b.append(i == 0 ? "" : ",").append(index[i]);
                }
                out.add(b.toString());
            }
            return out;
        }

        /** The expert's coordinates along the expert axes (the first axis varies slowest). */
        int[] expertIndex(int e) {
            int[] index = new int[axes.length];
            for (int i = axes.length - 1; i >= 0; i--) {
                index[i] = (int) (e % shape[axes[i]]);
                e /= (int) shape[axes[i]];
            }
            return index;
        }

        double[][] vectors(float[] values) {
            int experts = experts();
            double[][] out = new double[experts][values.length / experts];
            int[] fill = new int[experts];
            long[] strides = new long[shape.length];
            long stride = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            for (int flat = 0; flat < values.length; flat++) {
                int e = 0;
                for (int a : axes) {
                    e = e * (int) shape[a] + (int) ((flat / strides[a]) % shape[a]);
                }
                out[e][fill[e]++] = values[flat];
            }
            return out;
        }
    }
}
