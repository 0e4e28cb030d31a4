package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/** Multi-head attention arithmetic shared by the backbones (projections live in the callers). */
public final class Attention {
    private Attention() {}

    /**
     * Splits the last axis into heads: {@code [B, L, H*D] -> [B, H, L, D]}.
     *
     * @param x the projected states
     * @param heads the number of heads
     * @return the per-head view
     */
    public static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /**
     * Merges heads back: {@code [B, H, L, D] -> [B, L, H*D]}.
     *
     * @param x the per-head states
     * @return the merged states
     */
    public static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /**
     * Repeats each key/value head for the query heads that share it (grouped-query attention):
     * {@code [B, Hkv, L, D] -> [B, Hkv * groups, L, D]}, query head {@code h} reading key/value head
     * {@code h / groups}, as Hugging Face's {@code repeat_kv} does.
     *
     * @param x keys or values
     * @param groups query heads per key/value head
     * @return the repeated heads ({@code x} itself when {@code groups} is 1)
     */
    public static NDArray repeatKvHeads(NDArray x, int groups) {
        if (groups == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2)
                .broadcast(new Shape(s.get(0), s.get(1), groups, s.get(2), s.get(3)))
                .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
    }

    /**
     * Computes {@code softmax(q k^T * scale + bias) v}, with the softmax in float32.
     *
     * @param q queries {@code [B, H, Lq, D]}
     * @param k keys {@code [B, H, Lk, D]}
     * @param v values {@code [B, H, Lk, D]}
     * @param scale the score scale (1 for T5, {@code 1/sqrt(D)} for Llama)
     * @param bias additive bias broadcastable to {@code [B, H, Lq, Lk]} (positions and masks), or null
     * @param dropout attention-probability dropout rate (training only)
     * @param ctx the forward context
     * @return the attended values {@code [B, H, Lq, D]}
     */
    public static NDArray attend(
            NDArray q, NDArray k, NDArray v, float scale, NDArray bias, float dropout, ForwardContext ctx) {
        List<NDArray> temporaries = new ArrayList<>();
        NDArray keysT = k.transpose(0, 1, 3, 2);
        NDArray scores = q.matMul(keysT);
        temporaries.add(keysT);
        if (scale != 1f) {
            temporaries.add(scores);
            scores = Scalars.mul(scores, scale);
        }
        DataType dtype = scores.getDataType();
        if (dtype != DataType.FLOAT32) {
            temporaries.add(scores);
            scores = scores.toType(DataType.FLOAT32, false);
        }
        if (bias != null) {
            temporaries.add(scores);
            scores = scores.add(bias);
        }
        temporaries.add(scores);
        NDArray probs = scores.softmax(-1);
        if (dtype != DataType.FLOAT32) {
            temporaries.add(probs);
            probs = probs.toType(dtype, false);
        }
        if (ctx.training() && dropout > 0) {
            temporaries.add(probs);
            probs = ctx.random().dropout(probs, dropout);
        }
        temporaries.add(probs);
        NDArray out = probs.matMul(v);
        // Autograd keeps what backward needs; the handles are freed now rather than with the step.
        temporaries.forEach(NDArray::close);
        return out;
    }
}
