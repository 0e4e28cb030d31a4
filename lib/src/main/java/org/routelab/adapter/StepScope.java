package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.routelab.nn.Parameter;

/**
 * Keeps a forward pass's arrays out of the model's manager. An operation's result lives in its
 * receiver's manager, so an operation called on a parameter ({@code p.reshape(..)}, {@code p.get(..)})
 * would leave an array in the model's manager at every step. Taking a view of the parameter in the
 * step scope first makes every later operation an activation's.
 */
public final class StepScope {
    private StepScope() {}

    /**
     * Returns a view of a parameter owned by the step scope; gradients flow to the parameter.
     *
     * @param p the parameter
     * @param scope the step scope (e.g. the input's manager)
     * @return a view sharing the parameter's storage, closed with {@code scope}
     */
    public static NDArray view(Parameter p, NDManager scope) {
        return view(p, scope, p.shape().getShape());
    }

    /**
     * Returns a view of a parameter in another shape of the same size, owned by the step scope: the
     * reshape a forward pass needs and the view in one operation.
     *
     * @param p the parameter
     * @param scope the step scope
     * @param shape the view's shape
     * @return a view sharing the parameter's storage, closed with {@code scope}
     */
    public static NDArray view(Parameter p, NDManager scope, long... shape) {
        NDArray v = p.array().reshape(shape);
        v.attach(scope);
        return v;
    }

    /**
     * Returns the transpose of a matrix parameter as a view owned by the step scope: one operation where
     * a {@link #view} and then a transpose would be two.
     *
     * @param p the parameter, a matrix
     * @param scope the step scope
     * @return {@code p^T}, sharing the parameter's storage, closed with {@code scope}
     */
    public static NDArray transposed(Parameter p, NDManager scope) {
        NDArray t = p.array().transpose();
        t.attach(scope);
        return t;
    }

    /**
     * Stacks parameters' arrays along a new first axis into one array owned by the step scope (a view
     * for a single array, else one copy); gradients flow to each parameter.
     *
     * @param arrays the parameters' arrays, of one shape
     * @param scope the step scope
     * @return {@code [n, ...their shape]}, closed with {@code scope}
     */
    public static NDArray stack(NDList arrays, NDManager scope) {
        // an operation's result lives in its receiver's manager, here a parameter's: move it at once
        NDArray stacked = arrays.size() == 1 ? arrays.get(0).expandDims(0) : NDArrays.stack(arrays);
        stacked.attach(scope);
        return stacked;
    }
}
