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
        // Intermediates are freed as soon as they are used: autograd keeps what backward needs.
        NDArray h;
        if (config.gated()) {
            NDArray pre = proj("wi_0").forward(x, ctx);
            NDArray gate = config.activation().apply(pre);
            NDArray linear = proj("wi_1").forward(x, ctx);
            h = gate.mul(linear);
            closeAll(pre, gate, linear);
        } else {
            NDArray pre = proj("wi").forward(x, ctx);
            h = config.activation().apply(pre);
            pre.close();
        }
        NDArray dropped = T5Stack.dropout(h, config, ctx);
        NDArray out = proj("wo").forward(dropped, ctx);
        closeAll(h, dropped);
        return out;
    }

    private static void closeAll(NDArray... arrays) {
        for (NDArray a : arrays) {
            a.close();
        }
    }

    private Linear proj(String name) {
        return child(name, Linear.class);
    }
}
