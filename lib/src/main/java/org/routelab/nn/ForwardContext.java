package org.routelab.nn;

/**
 * What a forward pass needs beyond its tensors: whether it trains (dropout, stochastic routing).
 * Routing information (task ids, priors) is added by the routing layer as it grows.
 */
public final class ForwardContext {
    private static final ForwardContext EVAL = new ForwardContext(false);
    private static final ForwardContext TRAIN = new ForwardContext(true);

    private final boolean training;

    private ForwardContext(boolean training) {
        this.training = training;
    }

    /** Returns the context of an evaluation pass: no dropout, deterministic routing. */
    public static ForwardContext eval() {
        return EVAL;
    }

    /** Returns the context of a training pass: dropout active, stochastic routing. */
    public static ForwardContext train() {
        return TRAIN;
    }

    /** Returns whether this pass trains. */
    public boolean training() {
        return training;
    }
}
