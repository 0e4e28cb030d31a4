package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Scalars;

/**
 * Poly's learned task-to-expert allocation: logits {@code Z [T, groups * experts]} drawn from
 * {@code U(-1e-3, 1e-3)}. Training draws relaxed-Bernoulli (Gumbel-sigmoid) allocations or, as an
 * option, a deterministic sigmoid, optionally straight-through; evaluation uses {@code sigmoid(Z)}.
 * Weights are normalised by their sum in each group.
 *
 * <p>Per-example routing in a mixed-task batch selects each example's row with a one-hot matrix
 * product (one batched operation, and the gradient reaches only the rows used). A single-task batch
 * computes one row that every example shares, so adapters merge their experts once per batch.
 */
public final class TaskRouter extends Router {
    /** Bound of the logits' initial uniform distribution. */
    public static final float INIT_BOUND = 1e-3f;
    /** Keeps the uniform noise inside (0, 1) so that its logit stays finite. */
    private static final float NOISE_EPS = 1e-6f;

    private final int numTasks;
    private final RouterOptions options;

    /**
     * Creates a router with fresh logits drawn from the engine's seeded generator.
     *
     * @param manager owns the logits
     * @param numTasks the number of tasks {@code T}
     * @param groups independent groups
     * @param experts experts per group
     * @param options training-time sampling
     * @param dataType the logits' data type
     */
    public TaskRouter(NDManager manager, int numTasks, int groups, int experts, RouterOptions options,
            DataType dataType) {
        super(groups, experts, dataType);
        if (numTasks < 1) {
            throw new IllegalArgumentException("a task router needs at least one task, got " + numTasks);
        }
        this.numTasks = numTasks;
        this.options = options;
        addParameter("module_logits", manager.randomUniform(
                -INIT_BOUND, INIT_BOUND, new Shape(numTasks, (long) groups * experts), dataType));
    }

    /** Returns the number of tasks {@code T}. */
    public int numTasks() {
        return numTasks;
    }

    /** Returns the training-time sampling options. */
    public RouterOptions options() {
        return options;
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        long[] ids = ctx.taskIds();
        if (ids.length != batchSize) {
            throw new IllegalArgumentException(
                    "the context has " + ids.length + " task ids for a batch of " + batchSize + " examples");
        }
        int rows = ctx.singleTask() ? 1 : batchSize;
        float[] oneHot = new float[rows * numTasks];
        for (int i = 0; i < rows; i++) {
            if (ids[i] >= numTasks) {
                throw new IllegalArgumentException(
                        "task id " + ids[i] + " of example " + i + " is out of range: the router knows " + numTasks
                                + " tasks");
            }
            oneHot[i * numTasks + (int) ids[i]] = 1f;
        }
        NDArray select = scope.create(oneHot, new Shape(rows, numTasks)).toType(dataType(), false);
        NDArray logits = select.matMul(StepScope.view(parameter("module_logits"), scope));
        NDArray w;
        if (!ctx.training()) {
            w = Activation.sigmoid(logits);
        } else {
            if (options.sampling() == RouterOptions.Sampling.GUMBEL_SIGMOID) {
                NDArray u = scope.randomUniform(NOISE_EPS, 1f - NOISE_EPS, logits.getShape(), dataType());
                logits = logits.add(u.log().sub(scope.ones(u.getShape(), dataType()).sub(u).log()));
            }
            w = Activation.sigmoid(Scalars.mul(logits, 1f / options.temperature()));
            if (options.straightThrough()) {
                NDArray hard = w.gt(scope.create(0.5f).toType(dataType(), false)).toType(dataType(), false);
                w = hard.sub(w.stopGradient()).add(w);
            }
        }
        return normalise(w.reshape(rows, groups(), experts()));
    }
}
