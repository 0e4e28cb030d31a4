package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.routelab.analysis.IntuitionMap;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.backbone.TextTokenizer;
import org.routelab.data.Batches;
import org.routelab.data.EncodedExample;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.TaskBatch;
import org.routelab.data.TaskSuite;
import org.routelab.method.MethodConfig;
import org.routelab.method.RoutingNeeds;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.routing.IntuitionPrior;

/**
 * What an experiment's routers read besides the layer inputs, prepared once before a phase and put into
 * each batch's forward context in one place, as the method's {@link RoutingNeeds} say: task ids for
 * methods that route by task, nothing for those that read only the layer input, and a prior vector per
 * example for those that read one (T-REX's intuition). The prior of an example is the affinity of its
 * sentence embedding to k-means centroids of the multi-task training examples' embeddings ({@link
 * IntuitionPrior}, k = the prior's size), fitted when the inputs are prepared and used for every later
 * batch, held-out tasks included. Embeddings come from an {@link Encoder}, by default the frozen
 * backbone itself (its adapters switched off, so they do not drift as the adapters train).
 *
 * <p>Every context starts a new pass, so auxiliary losses (MoE-LoRA's load balancing) are collected:
 * objectives minimise {@code ctx.plusAuxiliaryLosses(loss)}.
 */
public final class RoutingInputs {
    /** The seed of the intuition's k-means fit. */
    public static final long KMEANS_SEED = 0L;
    /** Examples embedded per batch while fitting the intuition. */
    private static final int EMBEDDING_BATCH = 64;

    /** Computes the sentence embeddings of T-REX's intuition. */
    @FunctionalInterface
    public interface Encoder {
        /** The frozen backbone: its input embedding ({@link LanguageModel#inputEmbedding}) with every adapter off. */
        Encoder BACKBONE = (model, batch) -> model.inputEmbedding(batch, ForwardContext.eval().withoutAdapters());

        /**
         * Embeds the inputs of a batch.
         *
         * @param model the experiment's model (with its adapters)
         * @param batch the batch, in the model's layout
         * @return {@code [B, d]}, living in the batch's scope
         */
        NDArray embed(LanguageModel model, ModelBatch batch);
    }

    private final RoutingNeeds needs;
    private final Encoder encoder;
    private final IntuitionPrior intuition;

    private RoutingInputs(RoutingNeeds needs, Encoder encoder, IntuitionPrior intuition) {
        this.needs = needs;
        this.encoder = encoder;
        this.intuition = intuition;
    }

    /**
     * Prepares what a method's routing reads: for a per-example prior, embeds the training examples
     * and fits the intuition's centroids.
     *
     * @param needs what the method's routing reads
     * @param model the model whose encoder embeds the examples
     * @param training the multi-task training examples (the intuition's clusters come from them)
     * @param encoder the intuition's sentence encoder
     * @return the routing inputs
     * @throws IllegalStateException if there are fewer training examples than clusters
     */
    public static RoutingInputs prepare(RoutingNeeds needs, LanguageModel model, List<EncodedExample> training,
            Encoder encoder) {
        Objects.requireNonNull(encoder, "encoder");
        IntuitionPrior intuition = needs.priorSize() > 0 ? fit(needs.priorSize(), model, training, encoder) : null;
        return new RoutingInputs(needs, encoder, intuition);
    }

    /**
     * Returns the forward context of one pass over a batch.
     *
     * @param batch the batch
     * @param model the model that will read it
     * @param base {@link ForwardContext#eval()}, or {@link ForwardContext#train(RandomStream)} with the
     *     step's random stream
     * @return a new pass with the routing information the method needs
     */
    public ForwardContext context(TaskBatch batch, LanguageModel model, ForwardContext base) {
        ForwardContext ctx = base.newPass();
        if (needs.taskIds()) {
            ctx = ctx.withTaskIds(batch.taskIdArray());
        }
        if (intuition != null) {
            ctx = ctx.withPriors(intuition.prior(encoder.embed(model, batch.inputs())));
        }
        return ctx;
    }

    /**
     * Returns the fitted intuition.
     *
     * @return the k-means centroids
     * @throws IllegalStateException if the method reads no prior
     */
    public IntuitionPrior intuition() {
        if (intuition == null) {
            throw new IllegalStateException("the method's routing reads no per-example prior");
        }
        return intuition;
    }

    /** Embeds the training examples and fits {@code k} centroids. */
    private static IntuitionPrior fit(int k, LanguageModel model, List<EncodedExample> training, Encoder encoder) {
        if (training.size() < k) {
            throw new IllegalStateException("the intuition clusters the training examples into " + k
                    + " groups, but there are only " + training.size() + " examples");
        }
        try (NDManager scope = model.manager().newSubManager()) {
            int d = -1;
            float[] all = null;
            int row = 0;
            for (List<EncodedExample> chunk : Batches.inOrder(training, EMBEDDING_BATCH)) {
                try (NDManager step = scope.newSubManager()) {
                    float[] e = encoder.embed(model, TaskBatch.of(step, chunk, model).inputs())
                            .toType(DataType.FLOAT32, false).toFloatArray();
                    if (all == null) {
                        d = e.length / chunk.size();
                        all = new float[training.size() * d];
                    }
                    System.arraycopy(e, 0, all, row * d, e.length);
                    row += chunk.size();
                }
            }
            return IntuitionPrior.fit(scope.create(all, new Shape(training.size(), d)), k, KMEANS_SEED);
        }
    }

    /**
     * Fits the intuition of a method that reads a prior (T-REX) on a suite's training examples, embedded
     * by the frozen backbone exactly as an experiment embeds them, and maps the tasks onto its clusters.
     *
     * @param backbone the backbone's folder
     * @param suite the suite
     * @param config the method (its prior size is the number of clusters)
     * @return the map
     * @throws IllegalArgumentException if the method reads no prior
     */
    public static IntuitionMap intuitionMap(Path backbone, TaskSuite suite, MethodConfig config) {
        int k = config.routing().priorSize();
        if (k == 0) {
            throw new IllegalArgumentException(config.method().name() + " reads no per-example prior");
        }
        try (NDManager manager = NDManager.newBaseManager(); TextTokenizer tokenizer = TextTokenizer.load(backbone)) {
            LanguageModel model = LanguageModel.load(backbone, manager, DataType.FLOAT32);
            List<EncodedExample> training = new ExampleEncoder(tokenizer).encodeTraining(suite);
            RoutingInputs inputs = prepare(config.routing(), model, training, Encoder.BACKBONE);
            float[] priors = new float[training.size() * k];
            int[] taskOfExample = new int[training.size()];
            int row = 0;
            for (List<EncodedExample> chunk : Batches.inOrder(training, EMBEDDING_BATCH)) {
                try (NDManager step = manager.newSubManager()) {
                    float[] p = inputs.intuition.prior(Encoder.BACKBONE.embed(model, TaskBatch.of(step, chunk, model)
                            .inputs())).toType(DataType.FLOAT32, false).toFloatArray();
                    System.arraycopy(p, 0, priors, row * k, p.length);
                    for (EncodedExample e : chunk) {
                        taskOfExample[row++] = e.taskId();
                    }
                }
            }
            return IntuitionMap.of(suite.trainingNames(), taskOfExample, priors, k);
        }
    }
}
