package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Adafactor (Shazeer and Stern, 2018) as the papers train with it: an explicit learning rate (no
 * relative step), no parameter scaling, no warm-up init and no first moment. The second moment of a
 * tensor with two or more axes is factored into row and column averages over its last two axes;
 * updates are clipped to unit RMS. Matches Hugging Face's {@code Adafactor(scale_parameter=False,
 * relative_step=False, warmup_init=False)} with its defaults {@code eps = (1e-30, 1e-3)},
 * {@code clip_threshold = 1}, {@code decay_rate = -0.8}.
 */
public final class Adafactor implements Optimizer {
    private static final float EPS1 = 1e-30f;
    private static final float CLIP_THRESHOLD = 1f;
    private static final double DECAY_RATE = -0.8;

    private static final String ROWS = "/exp_avg_sq_row";
    private static final String COLUMNS = "/exp_avg_sq_col";
    private static final String FULL = "/exp_avg_sq";

    private final StackedState state;
    private final float weightDecay;

    /**
     * Creates the optimiser.
     *
     * @param parent the manager under which the state is kept (usually the model's)
     * @param weightDecay decoupled weight decay (0 in the papers)
     */
    public Adafactor(NDManager parent, float weightDecay) {
        this.state = new StackedState(parent, Set.of(ROWS, COLUMNS, FULL));
        this.weightDecay = weightDecay;
    }

    @Override
    public void update(ParameterStack stack, NDArray gradients, float learningRate) {
        Shape shape = stack.memberShape();
        int d = shape.dimension();
        boolean factored = d >= 2;
        double beta2t = 1.0 - Math.pow(state.advance(stack), DECAY_RATE);
        long[] perMember = new long[d + 1]; // [members, 1, ...]: one value per member, broadcast over it
        Arrays.fill(perMember, 1);
        perMember[0] = stack.size();
        try (NDManager scope = gradients.getManager().newSubManager()) {
            NDArray g = gradients.duplicate();
            g.attach(scope);
            NDArray squared = g.square().addi(EPS1);
            NDArray update;
            if (factored) {
                NDArray row = state.get(ROWS, stack, shape.slice(0, d - 1), stack.dataType());
                NDArray col = state.get(COLUMNS, stack,
                        new Shape(concat(shape.slice(0, d - 2).getShape(), shape.get(d - 1))), stack.dataType());
                row.muli((float) beta2t).addi(squared.mean(new int[] {-1}).muli((float) (1 - beta2t)));
                col.muli((float) beta2t).addi(squared.mean(new int[] {-2}).muli((float) (1 - beta2t)));
                // v ~ row * col / mean(row): the rank-one reconstruction of the second moment.
                NDArray rowFactor = row.duplicate();
                rowFactor.attach(scope);
                rowFactor = rowFactor.div(rowFactor.mean(new int[] {-1}, true)).sqrt().expandDims(-1);
                NDArray colFactor = col.duplicate();
                colFactor.attach(scope);
                colFactor = colFactor.sqrt().expandDims(-2);
                update = g.div(rowFactor.mul(colFactor));
            } else {
                NDArray v = state.get(FULL, stack, shape, stack.dataType());
                v.muli((float) beta2t).addi(squared.muli((float) (1 - beta2t)));
                NDArray denom = v.duplicate();
                denom.attach(scope);
                update = g.div(denom.sqrt());
            }
            // Each member's update is clipped to unit RMS on its own, without reading the RMS back.
            NDArray rms = update.square().reshape(stack.size(), -1).mean(new int[] {1}).sqrt().reshape(perMember);
            update.divi(rms.divi(CLIP_THRESHOLD).maximum(1f)).muli(learningRate);
            if (weightDecay != 0f) {
                stack.scale(1f - learningRate * weightDecay);
            }
            stack.subtract(update);
        }
    }

    private static long[] concat(long[] head, long last) {
        long[] out = Arrays.copyOf(head, head.length + 1);
        out[head.length] = last;
        return out;
    }

    @Override
    public Map<String, NDArray> state() {
        return state.export();
    }

    @Override
    public void loadState(Map<String, NDArray> saved) {
        state.load(saved);
    }

    @Override
    public void close() {
        state.close();
    }
}
