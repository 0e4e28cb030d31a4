package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
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
}
