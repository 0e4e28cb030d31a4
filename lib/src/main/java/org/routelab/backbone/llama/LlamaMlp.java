package org.routelab.backbone.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;

/**
 * The gated feed-forward of a Llama-family layer (SwiGLU with the default {@code silu}):
 * {@code down_proj(act(gate_proj x) * up_proj x)}.
 */
public final class LlamaMlp extends Module {
    private final LlamaConfig config;

    LlamaMlp(NDManager manager, LlamaConfig config, DataType dataType) {
        this.config = config;
        int d = config.hiddenSize();
        int inner = config.intermediateSize();
        addChild("gate_proj", new Linear(manager, d, inner, config.mlpBias(), dataType));
        addChild("up_proj", new Linear(manager, d, inner, config.mlpBias(), dataType));
        addChild("down_proj", new Linear(manager, inner, d, config.mlpBias(), dataType));
    }

    NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray gate = config.activation().apply(proj("gate_proj").forward(x, ctx));
        return proj("down_proj").forward(gate.mul(proj("up_proj").forward(x, ctx)), ctx);
    }

    private Linear proj(String name) {
        return child(name, Linear.class);
    }
}
