package org.routelab.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Agglomerative clustering with average linkage over cosine distances ({@code 1 - similarity}): the
 * OrchMoE paper's task dendrogram. Starting from one cluster per label, the two clusters with the
 * smallest mean pairwise distance merge, until one remains. The merges are numbered as SciPy's
 * linkage numbers them: leaves are {@code 0 .. n-1}, the cluster made by merge {@code m} is {@code n + m}.
 *
 * @param labels the leaves' labels
 * @param merges the {@code n - 1} merges, in order of increasing height
 */
public record Clustering(List<String> labels, List<Clustering.Merge> merges) {
    /**
     * One merge.
     *
     * @param left a leaf or earlier cluster id
     * @param right a leaf or earlier cluster id
     * @param height the average distance between their members
     * @param size the number of leaves in the merged cluster
     */
    public record Merge(int left, int right, double height, int size) {}

    /** Copies the lists. */
    public Clustering {
        labels = List.copyOf(labels);
        merges = List.copyOf(merges);
    }

    /**
     * Clusters the labels of a similarity matrix.
     *
     * @param similarity cosine similarities
     * @return the merges
     */
    public static Clustering averageLinkage(Similarity similarity) {
        int n = similarity.labels().size();
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = i == j ? 0 : 1 - similarity.matrix()[i][j];
            }
        }
        List<List<Integer>> members = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(List.of(i));
            ids.add(i);
        }
        List<Merge> merges = new ArrayList<>();
        while (members.size() > 1) {
            int bestA = 0;
            int bestB = 1;
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a < members.size(); a++) {
                for (int b = a + 1; b < members.size(); b++) {
                    double dist = average(d, members.get(a), members.get(b));
                    if (dist < best) {
                        best = dist;
                        bestA = a;
                        bestB = b;
                    }
                }
            }
            List<Integer> joined = new ArrayList<>(members.get(bestA));
            joined.addAll(members.get(bestB));
            merges.add(new Merge(ids.get(bestA), ids.get(bestB), best, joined.size()));
            members.remove(bestB);
            ids.remove(bestB);
            members.set(bestA, joined);
            ids.set(bestA, n + merges.size() - 1);
        }
        return new Clustering(similarity.labels(), merges);
    }

    private static double average(double[][] d, List<Integer> a, List<Integer> b) {
        double sum = 0;
        for (int i : a) {
            for (int j : b) {
                sum += d[i][j];
            }
        }
        return sum / (a.size() * b.size());
    }

    /**
     * Returns the leaves in drawing order: each cluster's left part before its right part, so that
     * every cluster is a contiguous run.
     *
     * @return leaf indices
     */
    public List<Integer> leafOrder() {
        List<Integer> out = new ArrayList<>();
        if (labels.size() == 1) {
            out.add(0);
        } else {
            collect(labels.size() + merges.size() - 1, out);
        }
        return out;
    }

    private void collect(int id, List<Integer> out) {
        if (id < labels.size()) {
            out.add(id);
            return;
        }
        Merge m = merges.get(id - labels.size());
        collect(m.left(), out);
        collect(m.right(), out);
    }

    /**
     * Cuts the tree into {@code k} clusters by undoing its last {@code k - 1} merges.
     *
     * @param k the number of clusters, in {@code [1, n]}
     * @return each leaf's cluster number, {@code 0 .. k-1}, numbered in leaf order
     */
    public int[] cut(int k) {
        int n = labels.size();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k must be in [1, " + n + "], got " + k);
        }
        int[] cluster = new int[n];
        java.util.Arrays.fill(cluster, -1);
        int next = 0;
        // The roots after n - k merges are the clusters; visit leaves in drawing order to number them.
        int[] root = new int[n + merges.size()];
        for (int i = 0; i < root.length; i++) {
            root[i] = i;
        }
        for (int m = 0; m < n - k; m++) {
            root[merges.get(m).left()] = n + m;
            root[merges.get(m).right()] = n + m;
        }
        java.util.Map<Integer, Integer> numbers = new java.util.HashMap<>();
        for (int leaf : leafOrder()) {
            int r = leaf;
            while (root[r] != r) {
                r = root[r];
            }
            Integer c = numbers.get(r);
            if (c == null) {
                c = next++;
                numbers.put(r, c);
            }
            cluster[leaf] = c;
        }
        return cluster;
    }
}
