package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;

/**
 * LoRA: {@code delta = (alpha / r) * dropout(x) A B} with {@code A [d_in, r]} drawn
 * kaiming-uniform ({@code a = sqrt 5}, fan-in {@code d_in}: {@code U(-1/sqrt(d_in), 1/sqrt(d_in))})
 * and {@code B [r, d_out]} zero, so training starts from the base model.
 */
public final class Lora extends Adapter implements MergeableAdapter {
    private final LoraConfig config;

    /** The parameter {@code lora_a}, held for the forward pass. */
    private final Parameter loraA;
    /** The parameter {@code lora_b}, held for the forward pass. */
    private final Parameter loraB;

    /**
     * Creates a LoRA adapter for one projection; {@code A} is drawn from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param config rank, alpha and dropout
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public Lora(NDManager manager, int inFeatures, int outFeatures, LoraConfig config, RandomStream random, DataType dataType) {
        this.config = config;
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        loraA = addParameter("lora_a", random.uniform(manager, -bound, bound, new Shape(inFeatures, config.rank()), dataType));
        loraB = addParameter("lora_b", manager.zeros(new Shape(config.rank(), outFeatures), dataType));
    }

    /** Returns the scale {@code alpha / r}. */
    public float scaling() {
        return config.alpha() / config.rank();
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDArray in = x;
        if (ctx.training() && config.dropout() > 0f) {
            in = ctx.random().dropout(x, config.dropout());
        }
        // The scale is applied to the rank-r product x A, the smallest tensor of the pass.
        NDArray down = in.matMul(loraA.array());
        if (scaling() != 1f) {
            down = Scalars.mul(down, scaling());
        }
        return down.matMul(loraB.array());
    }

    @Override
    public NDArray deltaWeight() {
        NDArray a = loraA.array();
        try (NDManager scope = a.getManager().newSubManager()) {
            NDArray product = a.matMul(loraB.array());
            product.attach(scope);
            NDArray delta = product.transpose().mul(scaling());
            delta.attach(a.getManager());
            return delta;
        }
    }
}
