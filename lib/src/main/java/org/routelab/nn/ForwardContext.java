package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a forward pass needs beyond its tensors: whether it trains (dropout, stochastic routing) and
 * the routing information of its examples (task ids per example).
 *
 * <p>A context with routing information describes one forward pass: make a new one per batch with
 * {@link #withTaskIds}. It remembers what routers compute (see {@link #memo}), so that a router shared
 * by many layers samples its allocation once per pass, as a single router call would.
 */
public final class ForwardContext {
    private static final ForwardContext EVAL = new ForwardContext(false, null);
    private static final ForwardContext TRAIN = new ForwardContext(true, null);

    private final boolean training;
    private final long[] taskIds;
    private final Map<Object, NDArray> memo;

    private ForwardContext(boolean training, long[] taskIds) {
        this.training = training;
        this.taskIds = taskIds;
        this.memo = taskIds == null ? null : new IdentityHashMap<>();
    }

    /** Returns the context of an evaluation pass: no dropout, deterministic routing. */
    public static ForwardContext eval() {
        return EVAL;
    }

    /** Returns the context of a training pass: dropout active, stochastic routing. */
    public static ForwardContext train() {
        return TRAIN;
    }

    /**
     * Returns a context for one pass over a batch whose examples belong to the given tasks.
     *
     * @param ids the task id of each example, in batch order (non-negative)
     * @return a new context with this one's training flag
     * @throws IllegalArgumentException if {@code ids} is empty or holds a negative id
     */
    public ForwardContext withTaskIds(long... ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("task ids must name one task per example; got none");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("task id of example " + i + " is negative: " + ids[i]);
            }
        }
        return new ForwardContext(training, ids.clone());
    }

    /** Returns whether this pass trains. */
    public boolean training() {
        return training;
    }

    /** Returns whether per-example task ids are known. */
    public boolean hasTaskIds() {
        return taskIds != null;
    }

    /**
     * Returns the task id of each example.
     *
     * @return a copy of the ids
     * @throws IllegalStateException if the context carries no task ids
     */
    public long[] taskIds() {
        if (taskIds == null) {
            throw new IllegalStateException(
                    "this forward pass has no task ids; routed adapters need ForwardContext.withTaskIds(...)");
        }
        return taskIds.clone();
    }

    /** Returns whether every example of the batch belongs to the same task (then adapters merge once). */
    public boolean singleTask() {
        return taskIds != null && Arrays.stream(taskIds).allMatch(t -> t == taskIds[0]);
    }

    /**
     * Returns the value a component computed earlier in this pass, or computes and remembers it. A
     * remembered array is reused only while it lives in {@code scope}, so a context reused across
     * steps recomputes in each step's scope; contexts without routing information never remember.
     *
     * @param key the component (compared by identity)
     * @param scope the manager the value must live in
     * @param compute computes the value in {@code scope}
     * @return the value
     */
    public NDArray memo(Object key, NDManager scope, Supplier<NDArray> compute) {
        if (memo == null) {
            return compute.get();
        }
        NDArray known = memo.get(key);
        if (known != null && !known.isReleased() && known.getManager() == scope) {
            return known;
        }
        NDArray value = compute.get();
        memo.put(key, value);
        return value;
    }
}
