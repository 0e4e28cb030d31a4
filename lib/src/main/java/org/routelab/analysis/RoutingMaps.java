package org.routelab.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.routelab.analysis.AdapterWeights;

/**
 * The routing a trained model uses at evaluation, read from its trained parameters: for every learned
 * allocation (a task router's logits {@code Z [T, groups * experts]}, or OrchMoE's skill allocation
 * {@code [abstract tasks, skills]}), the weights {@code sigmoid(Z)} normalised over the experts of
 * each group, exactly as the routers compute them when not training. These are the "routing maps" of
 * the papers: which skills (or tensor ranks) each task uses in each layer.
 */
public final class RoutingMaps {
    /** The parameter of a task router (Poly, MHR, TensorPoly). */
    public static final String TASK_LOGITS = ".router.module_logits";
    /** The parameter of OrchMoE's skill router (the abstract-task to skill allocation). */
    public static final String SKILL_LOGITS = ".skill_router.module_logits";

    private RoutingMaps() {}

    /**
     * One learned allocation at evaluation.
     *
     * @param path the router's parameter path
     * @param weights {@code [rows][groups][experts]}: rows are tasks (or abstract tasks), groups are MHR
     *     heads or tensor orders (1 for Poly), each group summing to 1 (or 0 when all its logits are
     *     very negative)
     */
    public record RouterWeights(String path, double[][][] weights) {
        /** Returns the number of rows (tasks). */
        public int rows() {
            return weights.length;
        }

        /** Returns the number of groups (heads, orders). */
        public int groups() {
            return weights[0].length;
        }

        /** Returns the number of experts per group (skills, tensor ranks). */
        public int experts() {
            return weights[0][0].length;
        }

        /** Returns a short label of the router's place, e.g. {@code enc 0 SelfAttention.q}. */
        public String label() {
            return shortLabel(path);
        }

        /**
         * Returns one row's weights averaged over the groups.
         *
         * @param row the task
         * @return {@code [experts]}
         */
        public double[] meanOverGroups(int row) {
            double[] out = new double[experts()];
            for (double[] group : weights[row]) {
                for (int e = 0; e < out.length; e++) {
                    out[e] += group[e] / groups();
                }
            }
            return out;
        }
    }

    /**
     * Reads every task router (Poly, MHR, TensorPoly-I/II) of a trained model.
     *
     * @param trained the trained parameters, e.g. {@code result.multitaskWeights()}
     * @param experts experts per group: skills {@code S} for Poly and MHR, tensor rank {@code R} for
     *     TensorPoly (the logits' width is groups times experts)
     * @return the routers in model order; empty for methods without task routers
     * @throws IllegalArgumentException if a router's width is not a multiple of {@code experts}
     */
    public static List<RouterWeights> taskRouters(AdapterWeights trained, int experts) {
        if (experts < 1) {
            throw new IllegalArgumentException("experts must be positive, got " + experts);
        }
        List<RouterWeights> out = new ArrayList<>();
        trained.endingWith(TASK_LOGITS).forEach((name, logits) -> out.add(read(name, logits, trained.shape(name),
                experts)));
        return out;
    }

    /**
     * Reads every OrchMoE skill allocation (abstract tasks by skills) of a trained model.
     *
     * @param trained the trained parameters
     * @return the allocations in model order, one group each
     */
    public static List<RouterWeights> skillAllocations(AdapterWeights trained) {
        List<RouterWeights> out = new ArrayList<>();
        trained.endingWith(SKILL_LOGITS).forEach((name, logits) -> {
            long[] shape = trained.shape(name);
            out.add(read(name, logits, shape, (int) shape[shape.length - 1]));
        });
        return out;
    }

    private static RouterWeights read(String name, float[] logits, long[] shape, int experts) {
        if (shape.length != 2 || shape[1] % experts != 0) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape)
                    + ", not [rows, groups * " + experts + "]; is " + experts + " the number of experts?");
        }
        return new RouterWeights(name, normalise(logits, (int) shape[0], (int) shape[1] / experts, experts));
    }

    /** sigmoid, then division by the group's sum plus 1e-12 (as {@code Router.normalise}). */
    private static double[][][] normalise(float[] logits, int rows, int groups, int experts) {
        double[][][] w = new double[rows][groups][experts];
        for (int t = 0; t < rows; t++) {
            for (int g = 0; g < groups; g++) {
                double sum = 0;
                for (int e = 0; e < experts; e++) {
                    double s = 1 / (1 + Math.exp(-logits[(t * groups + g) * experts + e]));
                    w[t][g][e] = s;
                    sum += s;
                }
                for (int e = 0; e < experts; e++) {
                    w[t][g][e] /= sum + 1e-12;
                }
            }
        }
        return w;
    }

    /**
     * Returns one task's routing in every layer, averaged over groups: the TensorPoly paper's routing
     * figure (layers down, experts across).
     *
     * @param routers the routers, e.g. from {@link #taskRouters}
     * @param row the task (its id among the training tasks)
     * @return {@code [routers][experts]}
     */
    public static double[][] layerMap(List<RouterWeights> routers, int row) {
        double[][] out = new double[routers.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = routers.get(i).meanOverGroups(row);
        }
        return out;
    }

    /**
     * Returns each row's whole routing as one vector: its weights in every router, group and expert,
     * concatenated. Rows with similar vectors use the same experts in the same places, which is what
     * {@link Similarity} and {@link Clustering} compare.
     *
     * @param routers routers with the same rows
     * @return {@code [rows][sum of groups * experts]}
     * @throws IllegalArgumentException if the routers' rows differ or there are none
     */
    public static double[][] profiles(List<RouterWeights> routers) {
        if (routers.isEmpty()) {
            throw new IllegalArgumentException("no routers: was the method routed, and did it train on several tasks?");
        }
        int rows = routers.get(0).rows();
        int width = 0;
        for (RouterWeights r : routers) {
            if (r.rows() != rows) {
                throw new IllegalArgumentException(r.path() + " has " + r.rows() + " rows, not " + rows);
            }
            width += r.groups() * r.experts();
        }
        double[][] out = new double[rows][width];
        for (int t = 0; t < rows; t++) {
            int at = 0;
            for (RouterWeights r : routers) {
                for (double[] group : r.weights()[t]) {
                    System.arraycopy(group, 0, out[t], at, group.length);
                    at += group.length;
                }
            }
        }
        return out;
    }

    /**
     * Shortens a parameter or module path for axis labels: {@code
     * encoder.block.0.layer.0.SelfAttention.q.adapter.router.module_logits} becomes {@code enc 0
     * SelfAttention.q}.
     *
     * @param path a dotted path
     * @return the label
     */
    public static String shortLabel(String path) {
        String p = path.replaceAll("\\.adapter(\\..*)?$", "");
        p = p.replaceFirst("^encoder\\.block\\.(\\d+)\\.", "enc $1 ").replaceFirst("^decoder\\.block\\.(\\d+)\\.",
                "dec $1 ").replaceFirst("^model\\.layers\\.(\\d+)\\.", "layer $1 ");
        return p.replaceFirst("(^|\\s)layer\\.\\d+\\.", "$1");
    }
}
