package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Objects;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.data.Batches;
import org.routelab.data.EncodedExample;
import org.routelab.data.TaskBatch;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.nn.ForwardContext;
import org.routelab.routing.IntuitionPrior;

/**
 * What an experiment's routers read besides the layer inputs, put into each batch's forward context
 * in one place: task ids for the methods that route by task ({@link Method#routed}) and nothing for
 * those that route by their input, except T-REX's intuition. For T-REX, every example gets the
 * affinities of its sentence embedding to k-means centroids of the multi-task training examples'
 * embeddings ({@link IntuitionPrior}, k = I*J); the centroids are fitted once, at the first batch,
 * and serve every later batch, held-out tasks included. Embeddings come from an {@link Encoder},
 * by default the frozen backbone itself (its adapters switched off, so they do not drift as the
 * adapters train).
 *
 * <p>Every context starts a new pass, so auxiliary losses (MoE-LoRA's load balancing) are collected:
 * objectives minimise {@code ctx.plusAuxiliaryLosses(loss)}.
 */
public final class RoutingInputs {
    /** The seed of the intuition's k-means fit. */
    public static final long KMEANS_SEED = 0L;
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

    private final MethodConfig config;
    private final List<EncodedExample> training;
    private final Encoder encoder;
    private IntuitionPrior intuition;

    /**
     * Creates the routing inputs of an experiment.
     *
     * @param config the method
     * @param training the multi-task training examples (the intuition's clusters come from them)
     * @param encoder the intuition's sentence encoder
     */
    public RoutingInputs(MethodConfig config, List<EncodedExample> training, Encoder encoder) {
        this.config = Objects.requireNonNull(config, "config");
        this.training = List.copyOf(training);
        this.encoder = Objects.requireNonNull(encoder, "encoder");
    }

    /**
     * Returns the forward context of one pass over a batch.
     *
     * @param batch the batch
     * @param model the model that will read it
     * @param train whether the pass trains
     * @return a new pass with the routing information the method needs
     */
    public ForwardContext context(TaskBatch batch, LanguageModel model, boolean train) {
        ForwardContext ctx = (train ? ForwardContext.train() : ForwardContext.eval()).newPass();
        if (config.method().routed()) {
            ctx = ctx.withTaskIds(batch.taskIdArray());
        }
        if (config.method() == Method.TREX && config.trex().intuition()) {
            ctx = ctx.withPriors(intuition(model).prior(encoder.embed(model, batch.inputs())));
        }
        return ctx;
    }

    /**
     * Returns the intuition, fitting it on the training examples' embeddings at the first call.
     *
     * @param model the model whose encoder embeds the examples
     * @return the k-means centroids, {@code k = I*J}
     * @throws IllegalStateException if there are fewer training examples than clusters
     */
    public IntuitionPrior intuition(LanguageModel model) {
        if (intuition == null) {
            int k = config.trex().cells();
            if (training.size() < k) {
                throw new IllegalStateException("T-REX's intuition clusters the training examples into I*J = " + k
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
                intuition = IntuitionPrior.fit(scope.create(all, new Shape(training.size(), d)), k, KMEANS_SEED);
            }
        }
        return intuition;
    }
}
