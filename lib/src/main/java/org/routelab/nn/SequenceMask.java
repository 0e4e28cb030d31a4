package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Which positions of a projection's input are real tokens and which of them each position may look
 * at: the attention masks of the stack the projection runs in. Backbones hand it to adapters through
 * {@link ForwardContext#withSequence} (an encoder: its padding, bidirectional; a decoder: causal), so
 * that routers reading the layer input pool over real tokens only and never look ahead of a token
 * where the model itself cannot.
 *
 * @param padding {@code [B, L]}, 1 for real tokens and 0 for padding (any numeric type), or null when
 *     every position is real
 * @param causal whether a position sees only itself and the positions before it
 * @param offset positions before this input that a decoding cache holds (0 for a full pass)
 */
public record SequenceMask(NDArray padding, boolean causal, int offset) {
    /** Validates the offset. */
    public SequenceMask {
        if (offset < 0) {
            throw new IllegalArgumentException("sequence offset must be >= 0, got " + offset);
        }
    }

    /**
     * Returns the mask of a bidirectional stack (an encoder).
     *
     * @param padding {@code [B, L]} real-token mask, or null when every position is real
     * @return the mask
     */
    public static SequenceMask bidirectional(NDArray padding) {
        return new SequenceMask(padding, false, 0);
    }

    /**
     * Returns the mask of a causal stack whose padding, if any, follows the real tokens (so no real
     * token sees it).
     *
     * @param offset positions already held in a decoding cache
     * @return the mask
     */
    public static SequenceMask causal(int offset) {
        return new SequenceMask(null, true, offset);
    }

    /**
     * Returns the real-token weights of an input under a possibly absent mask (absent: all real).
     *
     * @param mask the mask, or null
     * @param x the input {@code [B, L, d]}
     * @return {@code [B, L]} in {@code x}'s data type: 1 for real tokens, 0 for padding
     * @throws IllegalStateException if the mask's shape is not {@code [B, L]}
     */
    public static NDArray realTokens(SequenceMask mask, NDArray x) {
        Shape s = x.getShape();
        NDManager m = x.getManager();
        if (mask == null || mask.padding == null) {
            return m.ones(new Shape(s.get(0), s.get(1)), x.getDataType());
        }
        Shape p = mask.padding.getShape();
        if (p.dimension() != 2 || p.get(0) != s.get(0) || p.get(1) != s.get(1)) {
            throw new IllegalStateException("the padding mask " + p + " does not fit the layer input " + s
                    + "; the backbone must describe each stack's tokens with ForwardContext.withSequence");
        }
        return mask.padding.toType(x.getDataType(), false);
    }

    /**
     * Returns the additive bias of self-attention over an input: 0 where a position may look,
     * {@link Masks#MASKED} at padding keys and, in a causal stack, at later positions.
     *
     * @param mask the input's mask, or null (every position real, bidirectional)
     * @param x the input {@code [B, L, d]}
     * @return {@code [B or 1, 1 or L, L]} float32: one row shared by every position in a bidirectional
     *     stack, one row per position in a causal one
     * @throws UnsupportedOperationException if the input continues a decoding cache
     */
    public static NDArray attentionBias(SequenceMask mask, NDArray x) {
        long length = x.getShape().get(1);
        NDManager m = x.getManager();
        if (mask != null && mask.offset > 0) {
            throw new UnsupportedOperationException("this router reads the whole layer input, but incremental"
                    + " decoding passes only the newest tokens (offset " + mask.offset + "); score sequences with"
                    + " teacher forcing instead (e.g. rank classification)");
        }
        NDArray bias = m.zeros(new Shape(1, 1, length), DataType.FLOAT32);
        if (mask != null && mask.padding != null) {
            NDArray real = realTokens(mask, x).toType(DataType.FLOAT32, false);
            bias = Masks.padding(real).reshape(real.getShape().get(0), 1, length);
        }
        if (mask != null && mask.causal) {
            bias = bias.add(Masks.causal(m, (int) length, (int) length).reshape(1, length, length));
        }
        return bias;
    }
}
