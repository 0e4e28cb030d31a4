package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.ForwardContext;

/**
 * Random-mu's multi-task routing: in training each example gets a random binary allocation (each
 * expert active with probability 1/2, ignoring task ids), normalised by the number of active experts;
 * a group that draws no expert uses all of them. Evaluation uses the uniform average, which is what
 * -mu fine-tuning starts from. No parameters.
 */
public final class RandomRouter extends Router {
    /**
     * Creates a random router.
     *
     * @param groups independent groups
     * @param experts experts per group
     * @param dataType the weights' data type
     */
    public RandomRouter(int groups, int experts, DataType dataType) {
        super(groups, experts, dataType);
    }

    @Override
    protected NDArray compute(ForwardContext ctx, NDManager scope, int batchSize) {
        if (!ctx.training()) {
            return scope.full(new Shape(1, groups(), experts()), 1f / experts(), dataType());
        }
        Shape shape = new Shape(batchSize, groups(), experts());
        NDArray on = ctx.random().uniform(scope, 0f, 1f, shape, dataType())
                .lt(scope.create(0.5f).toType(dataType(), false)).toType(dataType(), false);
        NDArray empty = on.sum(new int[] {2}, true).eq(scope.zeros(new Shape(1), dataType())).toType(dataType(), false);
        return normalise(on.add(empty));
    }
}
