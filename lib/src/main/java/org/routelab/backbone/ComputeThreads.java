package org.routelab.backbone;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.routelab.nn.Parameter;

/**
 * Chooses PyTorch's intra-op threads by the size of a model's operations. A small model's operations
 * (the built-in backbone's 64 x 256 projections) take microseconds: threads only hand work back and
 * forth and spin against each other, so one thread is fastest. Models whose projections hold at least
 * {@link #PARALLEL_FROM} weights (t5-small's 512 x 2048 and up) split each product over all cores. A
 * thread count set explicitly with the system property {@value #PROPERTY} is always kept.
 */
public final class ComputeThreads {
    /** The JVM property that pins the thread count. */
    public static final String PROPERTY = "ai.djl.pytorch.num_threads";

    /** Weights in a model's largest matrix from which its operations run on all cores. */
    public static final long PARALLEL_FROM = 1L << 18;

    private ComputeThreads() {}

    /**
     * Sets the engine's intra-op threads for a model's work, unless {@value #PROPERTY} pins them; every
     * model {@link LanguageModel#create built} or {@link LanguageModel#load loaded} passes here, so the
     * threads follow the latest model.
     *
     * @param model the model about to train or evaluate
     * @param <M> the model's type
     * @return the model
     */
    static <M extends LanguageModel> M fit(M model) {
        if (isPyTorch() && System.getProperty(PROPERTY) == null) {
            JniUtils.setNumThreads(choose(largestMatrix(model), Runtime.getRuntime().availableProcessors()));
        }
        return model;
    }

    /** Returns the engine's intra-op threads now (1 on engines other than PyTorch). */
    public static int current() {
        return isPyTorch() ? JniUtils.getNumThreads() : 1;
    }

    private static boolean isPyTorch() {
        return "PyTorch".equals(Engine.getInstance().getEngineName());
    }

    /**
     * Returns the thread count for a model whose largest matrix has {@code weights} elements.
     *
     * @param weights elements of the largest two-dimensional parameter
     * @param cores the machine's cores
     * @return 1 below {@link #PARALLEL_FROM}, else {@code cores}
     */
    public static int choose(long weights, int cores) {
        return weights < PARALLEL_FROM ? 1 : Math.max(1, cores);
    }

    private static long largestMatrix(LanguageModel model) {
        long largest = 0;
        for (Parameter p : model.namedParameters().values()) {
            if (p.shape().dimension() == 2) {
                largest = Math.max(largest, p.size());
            }
        }
        return largest;
    }
}
