package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a forward pass needs beyond its tensors: whether it trains (dropout, stochastic routing), the
 * routing information of its examples (task ids, per-example prior vectors), the masks of the
 * sequence a projection reads (set by the backbone), and the auxiliary losses adapters add.
 *
 * <p>A context with routing information describes one forward pass: make a new one per batch with
 * {@link #withTaskIds}, {@link #withPriors} or, for routers that read only the layer input, {@link
 * #newPass}. It remembers what routers compute (see {@link #memo}), so that a router shared by many
 * layers samples its allocation once per pass, as a single router call would, and it collects the
 * pass's auxiliary losses ({@link #addAuxiliaryLoss}), which the training objective adds to the task
 * loss with {@link #plusAuxiliaryLosses}. The shared {@link #eval()} and {@link #train()} contexts
 * describe no pass: they remember nothing and accept no auxiliary loss.
 */
public final class ForwardContext {
    private static final ForwardContext EVAL = new ForwardContext(false, null, null, true, null, null, null, null);

    private final boolean training;
    private final long[] taskIds;
    private final NDArray priors;
    private final boolean adapters;
    private final SequenceMask sequence;
    private final SequenceMask memory;
    private final Pass pass;
    /** The pass's random draws (dropout, stochastic routing); null in evaluation. */
    private final RandomStream random;

    /** The state of one forward pass, shared by every view of its context. */
    private static final class Pass {
        final Map<Object, NDArray> memo = new IdentityHashMap<>();
        final Map<NDManager, Object> tokens = new IdentityHashMap<>();
        final List<NDArray> auxiliaryLosses = new ArrayList<>();
    }

    private ForwardContext(boolean training, long[] taskIds, NDArray priors, boolean adapters, SequenceMask sequence,
            SequenceMask memory, Pass pass, RandomStream random) {
        this.training = training;
        this.taskIds = taskIds;
        this.priors = priors;
        this.adapters = adapters;
        this.sequence = sequence;
        this.memory = memory;
        this.pass = pass;
        this.random = random;
    }

    /** Returns the context of an evaluation pass: no dropout, deterministic routing. */
    public static ForwardContext eval() {
        return EVAL;
    }

    /**
     * Returns the context of a training pass whose dropout and stochastic routing draw from {@code random}
     * (a training loop passes each step's own stream).
     *
     * @param random the pass's random stream
     * @return the context
     */
    public static ForwardContext train(RandomStream random) {
        return new ForwardContext(true, null, null, true, null, null, null, Objects.requireNonNull(random, "random"));
    }

    /**
     * Returns the context of a training pass drawing from a fresh stream of seed 0 (for tests and
     * benchmarks; training loops use {@link #train(RandomStream)} with each step's stream).
     *
     * @return the context
     */
    public static ForwardContext train() {
        return train(RandomStream.of(0));
    }

    /**
     * Returns the random stream of a training pass.
     *
     * @return the stream
     * @throws IllegalStateException in an evaluation pass, which draws nothing
     */
    public RandomStream random() {
        if (random == null) {
            throw new IllegalStateException("an evaluation pass draws no random numbers");
        }
        return random;
    }

    /**
     * Returns a context for one new pass that keeps this one's routing information: what input
     * routers need when there are no task ids (they remember per-pass values and collect auxiliary
     * losses in it).
     *
     * @return a new context with this one's training flag, task ids and priors
     */
    public ForwardContext newPass() {
        return new ForwardContext(training, taskIds, priors, adapters, null, null, new Pass(), random);
    }

    /**
     * Returns a context for one pass over a batch whose examples belong to the given tasks.
     *
     * @param ids the task id of each example, in batch order (non-negative)
     * @return a new pass with this one's training flag and priors
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
        return new ForwardContext(training, ids.clone(), priors, adapters, null, null, new Pass(), random);
    }

    /**
     * Returns a context for one pass over a batch with a prior vector per example (T-REX's
     * intuition, see {@code routing.IntuitionPrior}).
     *
     * @param perExample {@code [B, K]}, living in the pass's scope
     * @return a new pass with this one's training flag and task ids
     * @throws IllegalArgumentException if the priors are not a matrix
     */
    public ForwardContext withPriors(NDArray perExample) {
        if (perExample.getShape().dimension() != 2) {
            throw new IllegalArgumentException("priors must be [batch, K], got " + perExample.getShape());
        }
        return new ForwardContext(training, taskIds, perExample, adapters, null, null, new Pass(), random);
    }

    /**
     * Returns a view of this pass in which every adapter contributes nothing: the frozen backbone's
     * own function (e.g. for the sentence embeddings of T-REX's intuition, which must not change as
     * the adapters train).
     *
     * @return the view
     */
    public ForwardContext withoutAdapters() {
        return new ForwardContext(training, taskIds, priors, false, sequence, memory, pass, random);
    }

    /**
     * Returns a view of this pass for the projections of one stack: backbones call it so that
     * adapters know which positions of their input are real and what each may look at.
     *
     * @param tokens the mask of the stack's own tokens
     * @param attended the mask of the sequence the stack cross-attends to (an encoder's output), or null
     * @return the view
     */
    public ForwardContext withSequence(SequenceMask tokens, SequenceMask attended) {
        return new ForwardContext(training, taskIds, priors, adapters, tokens, attended, pass, random);
    }

    /**
     * Returns the view for projections that read the cross-attended sequence (keys and values of
     * cross-attention): its mask becomes the current one.
     *
     * @return the view
     */
    public ForwardContext attendedSequence() {
        return new ForwardContext(training, taskIds, priors, adapters, memory, null, pass, random);
    }

    /** Returns whether this pass trains. */
    public boolean training() {
        return training;
    }

    /** Returns whether adapters contribute (false in a {@link #withoutAdapters} view). */
    public boolean adaptersEnabled() {
        return adapters;
    }

    /** Returns the mask of the sequence the current projection reads, or null if the backbone gave none. */
    public SequenceMask sequence() {
        return sequence;
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

    /** Returns whether per-example priors are known. */
    public boolean hasPriors() {
        return priors != null;
    }

    /**
     * Returns the prior vector of each example.
     *
     * @return {@code [B, K]}
     * @throws IllegalStateException if the context carries no priors
     */
    public NDArray priors() {
        if (priors == null) {
            throw new IllegalStateException("this forward pass has no priors; T-REX's intuition needs"
                    + " ForwardContext.withPriors(...) (see IntuitionPrior), or turn the intuition off");
        }
        return priors;
    }

    /**
     * Returns the value a component computed earlier in this pass, or computes and remembers it. A
     * remembered array is reused only while it lives in {@code scope}, so a context reused across
     * steps recomputes in each step's scope; contexts that describe no pass never remember.
     *
     * @param key the component, or the input array a parameter-free value derives from (compared by identity)
     * @param scope the manager the value must live in
     * @param compute computes the value in {@code scope}
     * @return the value
     */
    public NDArray memo(Object key, NDManager scope, Supplier<NDArray> compute) {
        if (pass == null) {
            return compute.get();
        }
        NDArray known = pass.memo.get(key);
        if (known != null && !known.isReleased() && known.getManager() == scope) {
            return known;
        }
        NDArray value = compute.get();
        pass.memo.put(key, value);
        return value;
    }

    /**
     * Returns what stands for this pass in {@code scope}: the same object at every call of one pass in
     * one scope, another in the next pass or scope, as {@link #memo} tells its values apart. Components
     * that compute something once per pass for many layers (e.g. the factors of all same-shaped
     * adapters) recognise the pass by it.
     *
     * @param scope the manager the pass's values live in
     * @return the token (compare by identity), or null if this context describes no pass
     */
    public Object passToken(NDManager scope) {
        return pass == null ? null : pass.tokens.computeIfAbsent(scope, s -> new Object());
    }

    /**
     * Adds a term to the pass's training objective (e.g. a router's load-balancing loss).
     *
     * @param term a scalar in the autograd graph, living in the pass's scope
     * @throws IllegalStateException if this context describes no pass, so the term could never be used
     */
    public void addAuxiliaryLoss(NDArray term) {
        if (pass == null) {
            throw new IllegalStateException("auxiliary losses need a context made for one pass:"
                    + " ForwardContext.train().newPass() (or withTaskIds / withPriors), then"
                    + " ctx.plusAuxiliaryLosses(loss)");
        }
        pass.auxiliaryLosses.add(term);
    }

    /**
     * Returns a pass's task loss plus every auxiliary loss its adapters added: what training minimises.
     *
     * @param loss the task loss (scalar)
     * @return {@code loss} itself when there are no auxiliary losses, otherwise their sum with it
     */
    public NDArray plusAuxiliaryLosses(NDArray loss) {
        if (pass == null || pass.auxiliaryLosses.isEmpty()) {
            return loss;
        }
        NDArray terms = NDArrays.stack(new NDList(pass.auxiliaryLosses));
        return loss.add(terms.sum().toType(loss.getDataType(), false));
    }
}
