package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.adapter.StepScope;
import org.routelab.nn.FeatureMajor;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;
import org.routelab.nn.SequenceMask;

/**
 * MoE-LoRA's router: a softmax over E experts for every token, {@code p(x) = softmax(x W^T)} with
 * {@code W [E, d_in]} drawn from {@code N(0, 0.02)} and no bias. By default every expert is kept (soft
 * merge); with top-k each token keeps its k most probable experts, renormalised over them.
 *
 * <p>Optional load balancing (Switch Transformer): {@code E * sum_e f_e P_e}, where {@code P_e} is the
 * mean router probability of expert e over the batch's real tokens and {@code f_e} the share of token
 * assignments dispatched to e (each token's top-k, or its argmax under soft merge, as Switch
 * dispatches one expert). It is 1 when both are uniform. Gradients flow through {@code P} only. Each
 * layer adds {@code coefficient * loss} to the pass's objective, as Switch adds one term per layer.
 */
public final class TokenRouter extends InputRouter {
    /** Standard deviation of the router weight's initialisation. */
    public static final float INIT_STD = 0.02f;

    private final int experts;
    private final int topK;
    private final float loadBalancing;
    /** The parameter {@code weight}, held for the forward pass. */
    private final Parameter weight;

    /**
     * Creates a router with weights drawn from {@code random}.
     *
     * @param manager owns the weight
     * @param inFeatures the layer input's size {@code d_in}
     * @param experts the number of experts {@code E}
     * @param topK experts kept per token, or 0 to keep all (soft merge)
     * @param loadBalancing the load-balancing loss coefficient (0: no auxiliary loss)
     * @param random the stream the initial values are drawn from
     * @param dataType the weight's data type
     */
    public TokenRouter(NDManager manager, int inFeatures, int experts, int topK, float loadBalancing,
            RandomStream random, DataType dataType) {
        if (topK < 0 || topK > experts) {
            throw new IllegalArgumentException("top-k must be between 0 (all experts) and the " + experts
                    + " experts, got " + topK);
        }
        this.experts = experts;
        this.topK = topK;
        this.loadBalancing = loadBalancing;
        weight = addParameter("weight", random.normal(manager, 0f, INIT_STD, new Shape(experts, inFeatures), dataType));
    }

    /**
     * Returns the router's weight {@code W [E, d_in]} itself: the rows whose products with the tokens are
     * the router's logits, which MoE-LoRA projects together with its experts' ranks ({@link
     * FeatureMajor#project(ai.djl.ndarray.NDList, NDArray)}). Pass it to operations; called on it, an
     * operation would leave its result in the model's manager ({@link StepScope}).
     *
     * @return {@code [E, d_in]}
     */
    public NDArray weight() {
        return weight.array();
    }

    /**
     * Returns every token's router probabilities.
     *
     * @param x the layer input {@code [B, L, d_in]}
     * @return {@code [B, L, E]}, each token's row summing to 1
     */
    public NDArray probabilities(NDArray x) {
        return FeatureMajor.perToken(logits(x).softmax(0), x.getShape());
    }

    /**
     * Returns every token's expert weights; in training with a load-balancing coefficient, adds the
     * layer's load-balancing term to the pass's objective.
     *
     * @param x the layer input {@code [B, L, d_in]}
     * @param ctx the forward context (training flag, the input's padding mask)
     * @return {@code [B, L, E]}: the probabilities, or the top-k of each token renormalised
     */
    public NDArray weights(NDArray x, ForwardContext ctx) {
        return FeatureMajor.perToken(expertWeights(logits(x), x, ctx), x.getShape());
    }

    /**
     * Returns every token's expert weights from the router's logits, {@link FeatureMajor feature-major};
     * in training with a load-balancing coefficient, adds the layer's load-balancing term to the pass's
     * objective.
     *
     * @param logits {@code W x^T} {@code [E, B*L]}
     * @param x the layer input {@code [B, L, d_in]}
     * @param ctx the forward context (training flag, the input's padding mask)
     * @return {@code [E, B*L]}: the probabilities, or the top-k of each token renormalised
     */
    public NDArray expertWeights(NDArray logits, NDArray x, ForwardContext ctx) {
        requireTokens(x);
        NDArray p = logits.softmax(0);
        if (ctx.training() && loadBalancing > 0f) {
            NDArray real = SequenceMask.realTokens(ctx.sequence(), x);
            NDArray loss = loadBalancingLoss(FeatureMajor.perToken(p, x.getShape()), real);
            ctx.addAuxiliaryLoss(Scalars.mul(loss, loadBalancing));
        }
        if (topK == 0 || topK == experts) {
            return p;
        }
        NDArray kept = p.mul(selected(p.transpose(), topK).transpose());
        return kept.div(kept.sum(new int[] {0}, true));
    }

    /**
     * Returns the Switch load-balancing loss {@code E * sum_e f_e P_e} of some probabilities (without
     * the coefficient).
     *
     * @param p router probabilities {@code [B, L, E]}
     * @param realTokens {@code [B, L]}, 1 for the tokens that count and 0 for padding
     * @return a scalar; 1 under perfect balance
     */
    public NDArray loadBalancingLoss(NDArray p, NDArray realTokens) {
        int k = topK == 0 ? 1 : topK;
        NDArray m = realTokens.toType(p.getDataType(), false).expandDims(2);
        NDArray tokens = m.sum();
        NDArray dispatched = selected(p, k).mul(m).sum(new int[] {0, 1}).div(Scalars.mul(tokens, k));
        NDArray meanProbability = p.mul(m).sum(new int[] {0, 1}).div(tokens);
        return Scalars.mul(dispatched.mul(meanProbability).sum(), experts);
    }

    /** Marks each token's {@code k} most probable experts with 1 (no gradient); experts on {@code p}'s last axis. */
    private NDArray selected(NDArray p, int k) {
        int last = p.getShape().dimension() - 1;
        NDArray indices = p.stopGradient().topK(k, last, true, false).get(1);
        return indices.oneHot(experts, p.getDataType()).sum(new int[] {last});
    }

    /** Returns {@code W x^T} {@code [E, B*L]}. */
    private NDArray logits(NDArray x) {
        return FeatureMajor.project(StepScope.view(weight, x.getManager()), requireTokens(x));
    }
}
