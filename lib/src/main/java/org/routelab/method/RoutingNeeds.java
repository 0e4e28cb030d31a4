package org.routelab.method;

/**
 * What a method's routing reads from each forward pass, so that the pipeline prepares it once before a
 * phase: task ids (for task routers of {@code groups x experts} logits per task, shared as the
 * granularity says), only the layer input (nothing to prepare), or also a prior vector per example of
 * {@code priorSize} values (T-REX's intuition: affinities to {@code priorSize} k-means centroids of the
 * training examples' embeddings).
 *
 * @param taskRouter the task routers' shape, or null when the method does not route by task id
 * @param priorSize the length of the per-example prior, or 0 for none
 */
public record RoutingNeeds(TaskRouterShape taskRouter, int priorSize) {
    /** Routing that reads only the layer input (or no routing at all). */
    public static final RoutingNeeds LAYER_INPUT = new RoutingNeeds(null, 0);

    /** Validates the values. */
    public RoutingNeeds {
        if (priorSize < 0) {
            throw new IllegalArgumentException("prior size must be >= 0, got " + priorSize);
        }
    }

    /**
     * Returns the needs of a method routed by task id.
     *
     * @param groups independent groups per router (MHR's heads)
     * @param experts experts per group
     * @return the needs
     */
    public static RoutingNeeds taskIds(int groups, int experts) {
        return new RoutingNeeds(new TaskRouterShape(groups, experts), 0);
    }

    /**
     * Returns the needs of a method whose routing reads a prior vector per example.
     *
     * @param size the prior's length
     * @return the needs
     */
    public static RoutingNeeds prior(int size) {
        return new RoutingNeeds(null, size);
    }

    /** Returns whether forward passes must carry task ids. */
    public boolean taskIds() {
        return taskRouter != null;
    }

    /**
     * The shape of a method's task routers.
     *
     * @param groups independent groups (MHR heads, TensorPoly-II orders)
     * @param experts experts per group
     */
    public record TaskRouterShape(int groups, int experts) {
        /** Validates the values. */
        public TaskRouterShape {
            if (groups < 1 || experts < 1) {
                throw new IllegalArgumentException("a task router needs groups and experts >= 1, got " + groups
                        + " x " + experts);
            }
        }
    }
}
