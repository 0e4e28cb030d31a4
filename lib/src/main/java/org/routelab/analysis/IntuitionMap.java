package org.routelab.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.TextTokenizer;
import org.routelab.data.Batches;
import org.routelab.data.EncodedExample;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.TaskBatch;
import org.routelab.data.TaskSuite;
import org.routelab.experiment.RoutingInputs;
import org.routelab.method.MethodConfig;
import org.routelab.routing.IntuitionPrior;

/**
 * T-REX's intuition seen from the tasks: the k-means clusters of the training examples' sentence
 * embeddings (fitted exactly as an experiment fits them, {@link RoutingInputs#intuition}), and for
 * every training task its examples' mean affinity to each cluster and how many of them fall nearest to
 * each. The T-REX paper's observation is that such semantic clusters do not follow the task groups.
 *
 * @param tasks the training tasks, in task-id order
 * @param clusters the number of clusters {@code k} ({@code I*J} for T-REX)
 * @param meanPrior {@code [tasks][k]}: the mean affinity of a task's examples to each centroid
 * @param nearest {@code [tasks][k]}: how many of a task's examples have each centroid as their nearest
 */
public record IntuitionMap(List<String> tasks, int clusters, double[][] meanPrior, int[][] nearest) {
    private static final int BATCH = 64;

    /**
     * Fits the intuition of T-REX with {@code config} on a suite's training examples, embedded by the
     * frozen backbone, and maps the tasks onto it.
     *
     * @param backbone the backbone's folder
     * @param suite the suite
     * @param config a T-REX configuration (its {@code I*J} is the number of clusters)
     * @return the map
     */
    public static IntuitionMap of(Path backbone, TaskSuite suite, MethodConfig config) {
        try (NDManager manager = NDManager.newBaseManager(); TextTokenizer tokenizer = TextTokenizer.load(backbone)) {
            LanguageModel model = LanguageModel.load(backbone, manager, DataType.FLOAT32);
            List<EncodedExample> training = new ExampleEncoder(tokenizer).encodeTraining(suite);
            RoutingInputs.Encoder encoder = RoutingInputs.Encoder.BACKBONE;
            IntuitionPrior intuition = RoutingInputs.prepare(config.routing(), model, training, encoder).intuition();
            int k = intuition.clusters();
            int tasks = suite.numTrainingTasks();
            double[][] mean = new double[tasks][k];
            int[][] nearest = new int[tasks][k];
            int[] count = new int[tasks];
            for (List<EncodedExample> chunk : Batches.inOrder(training, BATCH)) {
                try (NDManager step = manager.newSubManager()) {
                    float[] prior = intuition.prior(encoder.embed(model, TaskBatch.of(step, chunk, model).inputs()))
                            .toFloatArray();
                    for (int i = 0; i < chunk.size(); i++) {
                        int t = chunk.get(i).taskId();
                        int best = 0;
                        for (int c = 0; c < k; c++) {
                            mean[t][c] += prior[i * k + c];
                            if (prior[i * k + c] > prior[i * k + best]) {
                                best = c;
                            }
                        }
                        nearest[t][best]++;
                        count[t]++;
                    }
                }
            }
            for (int t = 0; t < tasks; t++) {
                for (int c = 0; c < k; c++) {
                    mean[t][c] /= Math.max(1, count[t]);
                }
            }
            return new IntuitionMap(suite.trainingNames(), k, mean, nearest);
        }
    }

    /**
     * Returns how much the clusters follow the tasks: the share of examples that fall in their task's
     * most common cluster. It is 1 when every task keeps to one cluster of its own, and near
     * {@code 1/k} (or the share of the largest cluster) when the clusters ignore the tasks.
     *
     * @return the share, in {@code (0, 1]}
     */
    public double taskPurity() {
        long inTop = 0;
        long all = 0;
        for (int[] row : nearest) {
            int top = 0;
            for (int n : row) {
                top = Math.max(top, n);
                all += n;
            }
            inTop += top;
        }
        return all == 0 ? Double.NaN : (double) inTop / all;
    }

    /**
     * Returns, for each cluster, how many different tasks have examples nearest to it (a cluster that
     * mixes many tasks is about something else than the task).
     *
     * @return {@code [k]}
     */
    public int[] tasksPerCluster() {
        int[] out = new int[clusters];
        for (int[] row : nearest) {
            for (int c = 0; c < clusters; c++) {
                if (row[c] > 0) {
                    out[c]++;
                }
            }
        }
        return out;
    }
}
