package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.ForwardContext;

/** The -mu router: every expert weighs {@code 1 / experts} in every group, for every example. No parameters. */
public final class UniformRouter extends Router {
    /**
     * Creates a uniform router.
     *
     * @param groups independent groups
     * @param experts experts per group
     * @param dataType the weights' data type
     */
    public UniformRouter(int groups, int experts, DataType dataType) {
        super(groups, experts, dataType);
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        return scope.full(new Shape(1, groups(), experts()), 1f / experts(), dataType());
    }
}
