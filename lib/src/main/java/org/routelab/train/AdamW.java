package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Set;

/**
 * AdamW (Loshchilov and Hutter): Adam moments with bias correction and weight decay decoupled from
 * the gradient, {@code p -= lr * (m_hat / (sqrt(v_hat) + eps) + wd * p)}, as {@code torch.optim.AdamW}.
 */
public final class AdamW implements Optimizer {
    private static final String FIRST = "/exp_avg";
    private static final String SECOND = "/exp_avg_sq";

    private final StackedState state;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;

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
        this.state = new StackedState(parent, Set.of(FIRST, SECOND));
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
    public void update(ParameterStack stack, NDArray gradients, float learningRate) {
        NDArray m = state.get(FIRST, stack, stack.memberShape(), stack.dataType());
        NDArray v = state.get(SECOND, stack, stack.memberShape(), stack.dataType());
        int step = state.advance(stack);
        try (NDManager scope = gradients.getManager().newSubManager()) {
            NDArray g = gradients.duplicate();
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
                stack.scale(1f - learningRate * weightDecay);
            }
            stack.subtract(update);
        }
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
