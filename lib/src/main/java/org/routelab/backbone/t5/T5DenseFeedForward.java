package org.routelab.backbone.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;

/**
 * T5's feed-forward ({@code DenseReluDense}): {@code wo(act(wi x))} in v1.0, and the gated
 * {@code wo(act(wi_0 x) * wi_1 x)} in v1.1 and later; dropout after the activation.
 */
public final class T5DenseFeedForward extends Module {
    private final T5Config config;

    T5DenseFeedForward(NDManager manager, T5Config config, DataType dataType) {
        this.config = config;
        if (config.gated()) {
            addChild("wi_0", new Linear(manager, config.dModel(), config.dFf(), dataType));
            addChild("wi_1", new Linear(manager, config.dModel(), config.dFf(), dataType));
        } else {
            addChild("wi", new Linear(manager, config.dModel(), config.dFf(), dataType));
        }
        addChild("wo", new Linear(manager, config.dFf(), config.dModel(), dataType));
    }

    NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray h;
        if (config.gated()) {
            h = config.activation().apply(proj("wi_0").forward(x, ctx)).mul(proj("wi_1").forward(x, ctx));
        } else {
            h = config.activation().apply(proj("wi").forward(x, ctx));
        }
        h = T5Stack.dropout(h, config, ctx);
        return proj("wo").forward(h, ctx);
    }

    private Linear proj(String name) {
        return child(name, Linear.class);
    }
}
