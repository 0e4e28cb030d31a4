package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import org.routelab.adapter.StepScope;
import org.routelab.nn.FeatureMajor;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Scalars;

/**
 * T-REX's mixing router: for every token the {@code I x J} matrix {@code G} that weighs the rank-one
 * experts {@code b_j a_i^T}. A token router {@code p = softmax(x W^T)}, {@code W [I*J, d_in]} zero
 * (so every cell starts at {@code 1/(I*J)}), no bias, is blended with the example's intuition prior
 * (see {@link IntuitionPrior}):
 * {@code G = omega * p * (I*J) + (1 - omega) * prior * c}, {@code omega = sigmoid(100 w_omega)} with a
 * trainable scalar {@code w_omega} starting at 0 ({@code omega = 1/2}), and {@code c} the prior's scale
 * (4 in the reference). The factor {@code I*J} makes the uniform router weigh every expert 1.
 *
 * <p>Ablations: without intuition {@code omega} is fixed to 1 and no prior is read,
 * {@code G = p * (I*J)}; without the token router {@code G = c * prior}, the same for every token of an
 * example. Whatever is fixed is not a parameter. (The reference's intuition ablation zeroes the prior
 * but keeps training {@code omega}, which then only rescales the router's term; fixing it to 1 leaves
 * that scale to the adapter's own gate.)
 */
public final class RankOneRouter extends InputRouter {
    /**
     * The sharpness of T-REX's scalar gates, {@code omega = sigmoid(100 w_omega)} here and {@code beta =
     * sigmoid(100 w_beta)} in the adapter (the reference's factor): zero-initialised they start at 1/2,
     * and a small step of {@code w} moves them far.
     */
    public static final float GATE_SHARPNESS = 100f;

    private final int down;
    private final int up;
    private final float priorScale;
    private final boolean intuition;
    private final boolean tokenRouter;

    /**
     * Creates a router; its parameters start at zero.
     *
     * @param manager owns the parameters
     * @param inFeatures the layer input's size {@code d_in}
     * @param down the down projections {@code I}
     * @param up the up projections {@code J}
     * @param priorScale the prior's scale {@code c}
     * @param intuition whether the prior is blended in
     * @param tokenRouter whether the token router is used
     * @param dataType the parameters' data type
     * @throws IllegalArgumentException if both the intuition and the token router are off
     */
    public RankOneRouter(NDManager manager, int inFeatures, int down, int up, float priorScale, boolean intuition,
            boolean tokenRouter, DataType dataType) {
        if (!intuition && !tokenRouter) {
            throw new IllegalArgumentException("T-REX needs its token router, its intuition, or both; both are off");
        }
        this.down = down;
        this.up = up;
        this.priorScale = priorScale;
        this.intuition = intuition;
        this.tokenRouter = tokenRouter;
        if (tokenRouter) {
            addParameter("weight", manager.zeros(new Shape((long) down * up, inFeatures), dataType));
        }
        if (tokenRouter && intuition) {
            addParameter("w_omega", manager.zeros(new Shape(1), dataType));
        }
    }

    /**
     * Returns the token router's weight {@code W [I*J, d_in]} itself: the rows whose products with the
     * tokens are the router's logits, which T-REX projects together with its down projections ({@link
     * FeatureMajor#project(NDList, NDArray)}). Pass it to operations; called on it, an operation would
     * leave its result in the model's manager ({@link StepScope}).
     *
     * @return {@code [I*J, d_in]}, or null without the token router
     */
    public NDArray weight() {
        return tokenRouter ? parameter("weight").array() : null;
    }

    /**
     * Returns the token router's probabilities over the {@code I*J} cells.
     *
     * @param x the layer input {@code [B, L, d_in]}
     * @return {@code [B, L, I*J]}
     * @throws IllegalStateException if the token router is off
     */
    public NDArray tokenWeights(NDArray x) {
        if (!tokenRouter) {
            throw new IllegalStateException("this T-REX router has no token router (ablation)");
        }
        return FeatureMajor.perToken(logits(x).softmax(0), x.getShape());
    }

    /**
     * Returns the mixing matrices of a batch.
     *
     * @param x the layer input {@code [B, L, d_in]}
     * @param ctx the forward context (the examples' priors when the intuition is on)
     * @return {@code G [B, L', I, J]}, {@code L' = 1} without the token router, {@code L} otherwise
     * @throws IllegalStateException if the intuition is on and the priors are missing or of the wrong shape
     */
    public NDArray mixing(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        NDArray weights = termWeights(List.of(this), scope.ones(new Shape(1, 1), x.getDataType()), scope);
        NDList own = terms(weights, 1, ctx, scope).get(0);
        return cells(tokenRouter ? logits(x) : null, x, ctx, own).transpose(2, 3, 0, 1);
    }

    /**
     * Returns the weights of {@code G}'s terms for several routers of this one's options at once, each
     * router's times a gain (T-REX folds its gate {@code beta} in here, where it costs no operation of
     * its own): the token router's {@code gain * omega * I*J} when it is on, then the prior's
     * {@code gain * (1 - omega)} when the intuition is on ({@code omega = 1} without the intuition, 0
     * without the token router, where {@code c * prior} alone weighs the experts).
     *
     * @param routers routers of this one's options, in order
     * @param gains {@code [1, n]}, one per router
     * @param scope the step scope
     * @return {@code [terms, n]}: per term a row, per router a column
     */
    public NDArray termWeights(List<RankOneRouter> routers, NDArray gains, NDManager scope) {
        if (!intuition) {
            return Scalars.mul(gains, down * up);
        }
        if (!tokenRouter) {
            return gains;
        }
        NDList all = new NDList(routers.size());
        for (RankOneRouter r : routers) {
            all.add(r.parameter("w_omega").array());
        }
        NDArray sharpened = Scalars.mul(StepScope.stack(all, scope).reshape(1, -1), GATE_SHARPNESS);
        NDArray omega = Scalars.mul(Activation.sigmoid(sharpened), down * up);
        NDArray notOmega = Activation.sigmoid(sharpened.neg()); // 1 - omega, without cancellation
        return NDArrays.concat(new NDList(omega, notOmega)).mul(gains);
    }

    /**
     * Hands each router its terms of {@code G} from the weights of {@link #termWeights}: the token
     * router's weight {@code w_1} (a scalar) when it is on, then the weighted prior {@code w_2 * c *
     * prior} when the intuition is on. The priors are the same in every layer of a pass, so the weighted
     * priors of all the routers are one product, where a product per layer would add an operation and
     * its backward to every layer. Each router's parts come out of one split per term (its backward is
     * one concatenation, where a slice per router would be a scatter each).
     *
     * @param weights {@code [terms, n]}, of the routers' data type
     * @param n the number of routers
     * @param ctx the forward context (the examples' priors when the intuition is on)
     * @param scope the step scope
     * @return per router, in order, its terms: {@code w_1 [1]} and/or {@code w_2 c prior [I, J, B, 1]}
     * @throws IllegalStateException if the intuition is on and the priors are missing or not {@code [B, I*J]}
     */
    public List<NDList> terms(NDArray weights, int n, ForwardContext ctx, NDManager scope) {
        int terms = (int) weights.getShape().get(0);
        NDList scalars = null;
        if (tokenRouter) {
            NDArray first = weights.get(0);
            scalars = n == 1 ? new NDList(first) : first.split(n);
        }
        NDList priors = null;
        if (intuition) {
            NDArray prior = scaledPrior(ctx, weights.getDataType(), scope);
            Shape s = prior.getShape(); // [I, J, B, 1]
            // [n, 1] times [1, I*J*B], laid out row by row, so that I rows per router are a view
            NDArray all = weights.get(terms - 1).reshape(n, 1).mul(prior.reshape(1, -1))
                    .reshape(n * s.get(0), s.get(1), s.get(2), s.get(3));
            priors = n == 1 ? new NDList(all) : all.split(n);
        }
        List<NDList> out = new ArrayList<>(n);
        for (int a = 0; a < n; a++) {
            NDList own = new NDList(terms);
            if (scalars != null) {
                own.add(scalars.get(a));
            }
            if (priors != null) {
                own.add(priors.get(a));
            }
            out.add(own);
        }
        return out;
    }

    /**
     * Returns every token's mixing matrix, {@link FeatureMajor feature-major}: {@code G = w_1 * p + w_2 *
     * c * prior} from the terms of {@link #terms}, and the ablations' single term.
     *
     * @param logits the token router's logits {@code W x^T} {@code [I*J, B*L]}, or null without the token router
     * @param x the layer input {@code [B, L, d_in]}
     * @param ctx the forward context (the examples' priors when the intuition is on)
     * @param terms this router's terms (one of {@link #terms})
     * @return {@code G [I, J, B, L']}; {@code L' = 1} without the token router
     * @throws IllegalStateException if the intuition is on and the priors do not match the batch
     */
    public NDArray cells(NDArray logits, NDArray x, ForwardContext ctx, NDList terms) {
        Shape s = requireTokens(x).getShape();
        if (intuition) {
            requirePriors(ctx, s.get(0));
        }
        if (!tokenRouter) {
            return terms.get(0);
        }
        NDArray p = logits.softmax(0).reshape(down, up, s.get(0), s.get(1)).mul(terms.get(0));
        return intuition ? p.add(terms.get(1)) : p;
    }

    /**
     * Mixes the down projections' outputs through every token's mixing matrix, {@code u_j = sum_i h_i
     * G_ij}, feature-major.
     *
     * @param h the down projections' outputs {@code x A} {@code [I, B*L]}
     * @param cells the mixing matrices of {@link #cells} {@code [I, J, B, L']}
     * @return {@code u [J, B, L]}
     */
    public NDArray mix(NDArray h, NDArray cells) {
        Shape c = cells.getShape();
        long batch = c.get(2);
        return cells.mul(h.reshape(down, 1, batch, h.getShape().get(1) / batch)).sum(new int[] {0});
    }

    /** Returns {@code W x^T} {@code [I*J, B*L]}. */
    private NDArray logits(NDArray x) {
        return FeatureMajor.project(StepScope.view(parameter("weight"), x.getManager()), requireTokens(x));
    }

    /** Returns {@code c * prior} {@code [I, J, B, 1]}, made once per pass: the same in every layer. */
    private NDArray scaledPrior(ForwardContext ctx, DataType dataType, NDManager scope) {
        NDArray p = ctx.priors();
        long batch = p.getShape().get(0);
        requirePriors(ctx, batch);
        return ctx.memo(p, scope, () -> Scalars.mul(p.toType(dataType, false), priorScale).transpose()
                .reshape(down, up, batch, 1));
    }

    /** Checks that the examples' priors are {@code [batch, I*J]}. */
    private void requirePriors(ForwardContext ctx, long batch) {
        Shape s = ctx.priors().getShape();
        if (s.dimension() != 2 || s.get(0) != batch || s.get(1) != (long) down * up) {
            throw new IllegalStateException("T-REX priors must be [batch " + batch + ", I*J " + down * up
                    + "], got " + s);
        }
    }
}
