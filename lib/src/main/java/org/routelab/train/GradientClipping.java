package org.routelab.train;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/** Clipping of gradients by their global L2 norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Scales gradients in place so that their joint L2 norm is at most {@code maxNorm}.
     *
     * @param gradients the gradients of all trained parameters
     * @param maxNorm the largest norm allowed; 0 or less leaves them unchanged
     * @return the norm before clipping (0 when clipping is off, where it is not computed)
     */
    public static double clipGlobalNorm(Collection<NDArray> gradients, float maxNorm) {
        if (maxNorm <= 0) {
            return 0;
        }
        return clip(gradients, globalNorm(gradients), maxNorm);
    }

    /**
     * Returns the joint L2 norm of gradients: NaN or infinite when any of them is.
     *
     * @param gradients the gradients
     * @return the norm
     */
    public static double globalNorm(Collection<NDArray> gradients) {
        double squares = 0;
        for (NDArray g : gradients) {
            try (NDArray sq = g.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).square(); NDArray sum = sq.sum()) {
                squares += sum.getFloat();
            }
        }
        return Math.sqrt(squares);
    }

    /**
     * Scales gradients in place so that their joint L2 norm, already computed, is at most {@code maxNorm}.
     *
     * @param gradients the gradients
     * @param norm their joint norm ({@link #globalNorm})
     * @param maxNorm the largest norm allowed; 0 or less leaves them unchanged
     * @return {@code norm}
     */
    public static double clip(Collection<NDArray> gradients, double norm, float maxNorm) {
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            gradients.forEach(g -> g.muli(scale));
        }
        return norm;
    }
}
