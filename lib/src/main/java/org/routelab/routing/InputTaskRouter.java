package org.routelab.routing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;
import org.routelab.nn.Scalars;
import org.routelab.nn.SequenceMask;

/**
 * OrchMoE's task router: infers, from the layer input alone, how much each of T abstract tasks
 * contributes. Over the input {@code X [L, d]} of each sequence, a parameter-free self-attention
 * residual {@code X^ = softmax(X X^T / sqrt(d)) X + X} (paper eq. 5) is pooled and mapped to
 * {@code w(X) = W_task X^ + b} (eq. 4), then normalised over the abstract tasks.
 *
 * <p>The paper leaves three things open; each is an option, and the defaults are:
 * <ul>
 *   <li>{@link Pooling}: {@link Pooling#MEAN} by default. The paper assigns task weights "for each
 *       input sample", so routing is per sequence; the mean over real tokens is the robust summary for
 *       T5 (no classification token; the decoder's first token is the same start token for every
 *       example). {@link Pooling#FIRST} takes the first real token, {@link Pooling#NONE} routes each
 *       token by its own {@code X^} row (per-token routing).
 *   <li>{@link Normalisation}: {@link Normalisation#SOFTMAX} by default, since {@code w} weighs the
 *       abstract tasks of a sample like any linear router's output; {@link Normalisation#SIGMOID}
 *       normalises {@code sigmoid(w)} by its sum, as the skill side (Poly's allocation) does, so
 *       several abstract tasks can be fully active.
 *   <li>Padding and causality are not choices but the backbone's masks ({@link
 *       ForwardContext#sequence}): the attention and the pooling skip padding, so padding a batch
 *       leaves the real tokens' routing unchanged; in a causal stack (decoder) a token attends to and
 *       pools over itself and the tokens before it only, so the routing never reads the targets ahead
 *       (per-sequence pooling becomes a running mean there). Teacher-forced scoring is therefore
 *       leak-free; incremental decoding, which passes one token at a time, is refused.
 * </ul>
 * {@code W_task} and {@code b} start as PyTorch's {@code nn.Linear} (uniform in
 * {@code +-1/sqrt(d)}); the paper gives no initialisation. The attention runs in float32.
 */
public final class InputTaskRouter extends InputRouter {
    /** What the task weights of a token are computed from. */
    public enum Pooling {
        /** Per sequence: the mean of {@code X^} over the real tokens a token may see. */
        MEAN,
        /** Per sequence: the {@code X^} row of the first real token. */
        FIRST,
        /** Per token: each token's own {@code X^} row. */
        NONE;

        /**
         * Parses a name (case-insensitive): mean, first or none.
         *
         * @param name the name
         * @return the pooling
         * @throws IllegalArgumentException naming the value and the accepted names
         */
        public static Pooling parse(String name) {
            return parseEnum(Pooling.class, "OrchMoE pooling", name);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the task logits become weights. */
    public enum Normalisation {
        /** {@code softmax(w)}. */
        SOFTMAX,
        /** {@code sigmoid(w) / sum sigmoid(w)}. */
        SIGMOID;

        /**
         * Parses a name (case-insensitive): softmax or sigmoid.
         *
         * @param name the name
         * @return the normalisation
         * @throws IllegalArgumentException naming the value and the accepted names
         */
        public static Normalisation parse(String name) {
            return parseEnum(Normalisation.class, "OrchMoE task normalisation", name);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final InputRouterBank bank;
    private final Pooling pooling;
    private final Normalisation normalisation;

    /**
     * Creates a task router with weights drawn from {@code random}.
     *
     * @param manager owns the parameters
     * @param inFeatures the layer input's size {@code d}
     * @param abstractTasks the number of abstract tasks {@code T}
     * @param pooling what the weights are computed from
     * @param normalisation how logits become weights
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public InputTaskRouter(NDManager manager, int inFeatures, int abstractTasks, Pooling pooling,
            Normalisation normalisation, RandomStream random, DataType dataType) {
        this(new InputRouterBank(), manager, inFeatures, abstractTasks, pooling, normalisation, random, dataType);
    }

    /**
     * Creates a task router with weights drawn from {@code random}, whose weights are computed together
     * with those of the routers of {@code bank} that read the same input.
     *
     * @param bank the model's input routers
     * @param manager owns the parameters
     * @param inFeatures the layer input's size {@code d}
     * @param abstractTasks the number of abstract tasks {@code T}
     * @param pooling what the weights are computed from
     * @param normalisation how logits become weights
     * @param random the stream the initial values are drawn from
     * @param dataType the parameters' data type
     */
    public InputTaskRouter(InputRouterBank bank, NDManager manager, int inFeatures, int abstractTasks,
            Pooling pooling, Normalisation normalisation, RandomStream random, DataType dataType) {
        this.bank = bank;
        this.pooling = pooling;
        this.normalisation = normalisation;
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        addParameter("weight", random.uniform(manager, -bound, bound, new Shape(abstractTasks, inFeatures), dataType));
        addParameter("bias", random.uniform(manager, -bound, bound, new Shape(abstractTasks), dataType));
    }

    /**
     * Returns the abstract-task weights of a batch.
     *
     * @param x the layer input {@code [B, L, d]}
     * @param ctx the forward context (the input's masks)
     * @return {@code [B, L', T]} in {@code x}'s data type, each row summing to 1: {@code L' = 1} for
     *     per-sequence pooling in a bidirectional stack, {@code L} otherwise
     */
    public NDArray weights(NDArray x, ForwardContext ctx) {
        return weightsAsSplit(x, ctx).squeeze(2);
    }

    /**
     * Returns the weights of {@link #weights} as the router's slice of the product it shares with the
     * routers that read the same input, {@code [B, L', 1, T]}: the group's axis kept, so that a user that
     * broadcasts them needs no squeeze (nor its backward).
     *
     * @param x the layer input {@code [B, L, d]}
     * @param ctx the forward context (the input's masks)
     * @return {@code [B, L', 1, T]} in {@code x}'s data type, each row summing to 1
     */
    public NDArray weightsAsSplit(NDArray x, ForwardContext ctx) {
        requireTokens(x);
        NDManager scope = x.getManager();
        // The summary is parameter-free, so the projections that read the same input array (q, k, v)
        // share it within a pass, and their routers share one product ({@link InputRouterBank}); the
        // adapters of one model all pool alike. The attention bias and the pooling weights depend on the
        // mask alone: made once per sequence of a pass.
        NDArray summary = ctx.memo(x, scope, () -> {
            SequenceMask mask = ctx.sequence();
            if (mask == null) {
                return summary(x, mask, pooling);
            }
            NDArray bias = ctx.memo(mask, scope, () -> SequenceMask.attentionBias(mask, x));
            NDArray pool = pooling == Pooling.NONE ? null : ctx.memo(bias, scope, () -> pool(bias, mask, x, pooling));
            return summary(x, bias, pool);
        });
        return bank.weights(this, summary).toType(x.getDataType(), false);
    }

    /** Returns whether another router's weights can come from the same product as this one's. */
    boolean sameShapeAs(InputTaskRouter other) {
        return normalisation == other.normalisation && parameter("weight").shape().equals(other.parameter("weight").shape());
    }

    /**
     * Computes the weights of routers of one shape ({@link #sameShapeAs}) that read one input summary,
     * {@code W_task X^ + b} of all of them in one product, normalised in one operation.
     *
     * @param routers the routers
     * @param summary the summary {@code [B, L', d]} float32
     * @return per router, in order, its weights {@code [B, L', 1, T]} float32
     */
    static List<NDList> weights(List<InputTaskRouter> routers, NDArray summary) {
        NDManager scope = summary.getManager();
        int n = routers.size();
        InputTaskRouter first = routers.get(0);
        NDArray weight;
        NDArray bias;
        if (n == 1) {
            weight = first.float32("weight", scope);
            bias = first.float32("bias", scope);
        } else {
            NDList weights = new NDList(n);
            NDList biases = new NDList(n);
            for (InputTaskRouter r : routers) {
                weights.add(r.float32("weight", scope));
                biases.add(r.float32("bias", scope));
            }
            // [n T, d] and [n T]: the routers' rows one after another
            weight = StepScope.stack(weights, scope).reshape(-1, summary.getShape().get(2));
            bias = StepScope.stack(biases, scope).reshape(-1);
        }
        // W_task X^ + b over the summary's rows as one matrix: a plain addmm (a 3-D input goes through
        // matmul's broadcasting views); the input is an activation, so the result lives in the step scope
        Shape s = summary.getShape();
        NDArray logits = ai.djl.nn.core.Linear.linear(summary.reshape(s.get(0) * s.get(1), s.get(2)), weight, bias)
                .singletonOrThrow();
        // the routers' logits side by side, [B, L', n, T]; normalised over the last axis
        logits = logits.reshape(s.get(0), s.get(1), n, -1);
        NDArray w = first.normalisation == Normalisation.SOFTMAX
                ? logits.softmax(-1)
                : Router.normalise(Activation.sigmoid(logits));
        if (n == 1) {
            return List.of(new NDList(w));
        }
        // one split (backward: one concatenation), each router's [B, L', 1, T] a view of it
        List<NDList> out = new ArrayList<>(n);
        for (NDArray wi : w.split(n, 2)) {
            out.add(new NDList(wi));
        }
        return out;
    }

    /** Returns a parameter in float32: itself, or a converted copy in the step scope. */
    private NDArray float32(String name, NDManager scope) {
        NDArray p = parameter(name).array();
        return p.getDataType() == DataType.FLOAT32 ? p : StepScope.view(parameter(name), scope).toType(DataType.FLOAT32, false);
    }

    /**
     * Computes the pooled self-attention residual {@code X^} of an input (float32).
     *
     * @param x the layer input {@code [B, L, d]}
     * @param mask the input's masks, or null (every token real, bidirectional)
     * @param pooling what to pool
     * @return {@code [B, L', d]} (see {@link #weights})
     */
    public static NDArray summary(NDArray x, SequenceMask mask, Pooling pooling) {
        NDArray bias = SequenceMask.attentionBias(mask, x);
        return summary(x, bias, pooling == Pooling.NONE ? null : pool(bias, mask, x, pooling));
    }

    /**
     * Returns the pooling weights of per-sequence pooling: row t weighs the positions token t pools over.
     *
     * @param bias the input's attention bias ({@link SequenceMask#attentionBias})
     * @param mask the input's masks, or null
     * @param x the layer input {@code [B, L, d]}
     * @param pooling {@link Pooling#MEAN} or {@link Pooling#FIRST}
     * @return {@code [B, 1 or L, L]} float32
     */
    private static NDArray pool(NDArray bias, SequenceMask mask, NDArray x, Pooling pooling) {
        NDArray pool;
        switch (pooling) {
            case MEAN:
                // softmax of the bias alone: uniform over the positions each token may see
                pool = bias.softmax(2);
                break;
            case FIRST:
                NDArray real = SequenceMask.realTokens(mask, x).toType(DataType.FLOAT32, false);
                pool = real.mul(real.cumSum(1).eq(x.getManager().create(1f)).toType(DataType.FLOAT32, false))
                        .expandDims(1);
                break;
            default:
                throw new AssertionError(pooling);
        }
        // one row per example, as a view: the summary's products are then plain bmm calls (matmul would
        // broadcast through views that autograd records); the pooling weights need no gradient
        long batch = x.getShape().get(0);
        Shape s = pool.getShape();
        return s.get(0) == batch ? pool : pool.broadcast(new Shape(batch, s.get(1), s.get(2)));
    }

    /** Returns {@code X^} pooled by {@code pool}, or per token where {@code pool} is null (float32). */
    private static NDArray summary(NDArray x, NDArray bias, NDArray pool) {
        NDArray xf = x.toType(DataType.FLOAT32, false);
        long d = xf.getShape().get(2);
        // bmm itself where both sides have the batch: matmul would wrap it in broadcasting views that
        // autograd records and undoes
        NDArray scores = Scalars.mul(xf.batchMatMul(xf.transpose(0, 2, 1)), (float) (1.0 / Math.sqrt(d))).add(bias);
        NDArray attention = scores.softmax(2);
        if (pool == null) {
            return attention.batchMatMul(xf).add(xf);
        }
        // pool (attention X + X) = (pool attention + pool) X: pooling the attention's rows first saves
        // the [L, L] x [L, d] product per sequence (and its backward), the router's largest cost.
        return pool.batchMatMul(attention).add(pool).batchMatMul(xf);
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String what, String name) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + name + "'; expected one of "
                + Arrays.toString(type.getEnumConstants()));
    }
}
