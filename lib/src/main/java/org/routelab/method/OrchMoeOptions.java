package org.routelab.method;

import org.routelab.routing.InputTaskRouter;

/**
 * OrchMoE's options: the size of its task router and the choices the paper leaves open (see {@link
 * InputTaskRouter} for what each means and why the defaults).
 *
 * @param abstractTasks the abstract tasks {@code T}; 0 (the default) takes as many as there are
 *     training tasks, the paper's setting (the router still reads no task id)
 * @param pooling what the task weights are computed from: per sequence (mean, first token) or per token
 * @param normalisation how the task logits become weights
 */
public record OrchMoeOptions(int abstractTasks, InputTaskRouter.Pooling pooling,
        InputTaskRouter.Normalisation normalisation) {
    /** As many abstract tasks as training tasks, mean pooling, softmax. */
    public static final OrchMoeOptions DEFAULT =
            new OrchMoeOptions(0, InputTaskRouter.Pooling.MEAN, InputTaskRouter.Normalisation.SOFTMAX);

    /** Validates the values, naming the first bad one. */
    public OrchMoeOptions {
        if (abstractTasks < 0) {
            throw new IllegalArgumentException("orchmoe abstract tasks must be >= 0 (0: one per training task), got "
                    + abstractTasks);
        }
        if (pooling == null || normalisation == null) {
            throw new IllegalArgumentException("orchmoe pooling and task normalisation must be given");
        }
    }

    /** Returns a copy with {@code t} abstract tasks (0: one per training task). */
    public OrchMoeOptions withAbstractTasks(int t) {
        return new OrchMoeOptions(t, pooling, normalisation);
    }

    /** Returns a copy pooling otherwise. */
    public OrchMoeOptions withPooling(InputTaskRouter.Pooling p) {
        return new OrchMoeOptions(abstractTasks, p, normalisation);
    }

    /** Returns a copy normalising the task weights otherwise. */
    public OrchMoeOptions withNormalisation(InputTaskRouter.Normalisation n) {
        return new OrchMoeOptions(abstractTasks, pooling, n);
    }
}
