package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.routelab.nn.Parameter;

/**
 * AdamW (Loshchilov and Hutter): Adam moments with bias correction and weight decay decoupled from
 * the gradient, {@code p -= lr * (m_hat / (sqrt(v_hat) + eps) + wd * p)}, as {@code torch.optim.AdamW}.
 */
public final class AdamW implements Optimizer {
    private final NDManager manager;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> steps = new LinkedHashMap<>();

    /**
     * Creates the optimiser.
     *
     * @param parent the manager under which the state is kept (usually the model's)
     * @param beta1 first-moment decay (0.9)
     * @param beta2 second-moment decay (0.999)
     * @param eps denominator epsilon (1e-8)
     * @param weightDecay decoupled weight decay (0.01 in PyTorch; 0 in the papers' adapters)
     */
    public AdamW(NDManager parent, float beta1, float beta2, float eps, float weightDecay) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /**
     * Creates AdamW with PyTorch's defaults except weight decay.
     *
     * @param parent the manager under which the state is kept
     * @param weightDecay decoupled weight decay
     * @return the optimiser
     */
    public static AdamW withWeightDecay(NDManager parent, float weightDecay) {
        return new AdamW(parent, 0.9f, 0.999f, 1e-8f, weightDecay);
    }

    @Override
    public void update(String name, Parameter parameter, NDArray gradient, float learningRate) {
        NDArray p = parameter.array();
        NDArray m = firstMoments.computeIfAbsent(name, k -> manager.zeros(p.getShape(), p.getDataType()));
        NDArray v = secondMoments.computeIfAbsent(name, k -> manager.zeros(p.getShape(), p.getDataType()));
        NDArray stepArray = steps.computeIfAbsent(name, k -> manager.zeros(new ai.djl.ndarray.types.Shape()));
        stepArray.addi(1f);
        int step = (int) stepArray.getFloat();
        try (NDManager scope = manager.newSubManager()) {
            NDArray g = gradient.duplicate();
            g.attach(scope);
            m.muli(beta1).addi(g.mul(1f - beta1));
            v.muli(beta2).addi(g.square().muli(1f - beta2));
            double correction1 = 1 - Math.pow(beta1, step);
            double correction2 = 1 - Math.pow(beta2, step);
            NDArray vCopy = v.duplicate();
            vCopy.attach(scope);
            NDArray denom = vCopy.divi((float) correction2).sqrt().addi(eps);
            NDArray update = m.duplicate();
            update.attach(scope);
            update.divi(denom).muli((float) (learningRate / correction1));
            if (weightDecay != 0f) {
                p.muli(1f - learningRate * weightDecay);
            }
            p.subi(update);
        }
    }

    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        firstMoments.forEach((k, a) -> out.put(k + "/exp_avg", a));
        secondMoments.forEach((k, a) -> out.put(k + "/exp_avg_sq", a));
        steps.forEach((k, a) -> out.put(k + "/step", a));
        return out;
    }

    @Override
    public void loadState(Map<String, NDArray> state) {
        OptimizerState.restore(state, manager, Map.of(
                "/exp_avg", firstMoments, "/exp_avg_sq", secondMoments, "/step", steps));
    }

    @Override
    public void close() {
        manager.close();
    }
}
