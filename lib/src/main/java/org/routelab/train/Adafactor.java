package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.routelab.nn.Parameter;

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

    private final NDManager manager;
    private final float weightDecay;
    private final Map<String, NDArray> rows = new LinkedHashMap<>();
    private final Map<String, NDArray> columns = new LinkedHashMap<>();
    private final Map<String, NDArray> full = new LinkedHashMap<>();
    private final Map<String, NDArray> steps = new LinkedHashMap<>();

    /**
     * Creates the optimiser.
     *
     * @param parent the manager under which the state is kept (usually the model's)
     * @param weightDecay decoupled weight decay (0 in the papers)
     */
    public Adafactor(NDManager parent, float weightDecay) {
        this.manager = parent.newSubManager();
        this.weightDecay = weightDecay;
    }

    @Override
    public void update(String name, Parameter parameter, NDArray gradient, float learningRate) {
        NDArray p = parameter.array();
        Shape shape = p.getShape();
        boolean factored = shape.dimension() >= 2;
        NDArray stepArray = steps.computeIfAbsent(name, k -> manager.zeros(new Shape()));
        stepArray.addi(1f);
        double beta2t = 1.0 - Math.pow(stepArray.getFloat(), DECAY_RATE);
        try (NDManager scope = manager.newSubManager()) {
            NDArray g = gradient.duplicate();
            g.attach(scope);
            NDArray squared = g.square().addi(EPS1);
            NDArray update;
            if (factored) {
                int d = shape.dimension();
                NDArray row = rows.computeIfAbsent(name, k -> manager.zeros(shape.slice(0, d - 1), p.getDataType()));
                NDArray col = columns.computeIfAbsent(name,
                        k -> manager.zeros(new Shape(concat(shape.slice(0, d - 2).getShape(), shape.get(d - 1))),
                                p.getDataType()));
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
                NDArray v = full.computeIfAbsent(name, k -> manager.zeros(shape, p.getDataType()));
                v.muli((float) beta2t).addi(squared.muli((float) (1 - beta2t)));
                NDArray denom = v.duplicate();
                denom.attach(scope);
                update = g.div(denom.sqrt());
            }
            float rms = (float) Math.sqrt(update.square().mean().getFloat());
            update.divi(Math.max(1f, rms / CLIP_THRESHOLD)).muli(learningRate);
            if (weightDecay != 0f) {
                p.muli(1f - learningRate * weightDecay);
            }
            p.subi(update);
        }
    }

    private static long[] concat(long[] head, long last) {
        long[] out = java.util.Arrays.copyOf(head, head.length + 1);
        out[head.length] = last;
        return out;
    }

    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        rows.forEach((k, a) -> out.put(k + "/exp_avg_sq_row", a));
        columns.forEach((k, a) -> out.put(k + "/exp_avg_sq_col", a));
        full.forEach((k, a) -> out.put(k + "/exp_avg_sq", a));
        steps.forEach((k, a) -> out.put(k + "/step", a));
        return out;
    }

    @Override
    public void loadState(Map<String, NDArray> state) {
        OptimizerState.restore(state, manager, Map.of("/exp_avg_sq_row", rows, "/exp_avg_sq_col", columns,
                "/exp_avg_sq", full, "/step", steps));
    }

    @Override
    public void close() {
        manager.close();
    }
}
