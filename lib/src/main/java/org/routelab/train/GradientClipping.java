package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.Collection;

/** Clipping of gradients by their global L2 norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Returns the joint L2 norm of gradients as a scalar array, without reading it back: NaN or infinite
     * when any of them is. Each array's squares are summed in its own precision, the sums in double.
     *
     * @param gradients the gradients (non-empty), e.g. stacked per {@link ParameterStack}
     * @return the norm, a float64 scalar in the first gradient's manager
     */
    public static NDArray norm(Collection<NDArray> gradients) {
        NDList sums = new NDList(gradients.size());
        for (NDArray g : gradients) {
            sums.add(g.toType(DataType.FLOAT32, false).square().sum().toType(DataType.FLOAT64, false));
        }
        return NDArrays.stack(sums).sum().sqrt();
    }

    /**
     * Scales gradients in place so that their joint L2 norm, already computed, is at most {@code maxNorm}.
     *
     * @param gradients the gradients
     * @param norm their joint norm ({@link #norm})
     * @param maxNorm the largest norm allowed; 0 or less leaves them unchanged
     */
    public static void clip(Collection<NDArray> gradients, double norm, float maxNorm) {
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            gradients.forEach(g -> g.muli(scale));
        }
    }
}
