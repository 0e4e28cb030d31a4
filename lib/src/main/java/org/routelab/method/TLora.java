package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.EntangledTensor;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Scalars;

/**
 * TLoRA: LoRA whose factors are entangled tensors of tensor rank {@code R} and order {@code N}. Leaves
 * {@code A [N, R, r, l_in]}, {@code B [N, R, r, l_out]} with {@code l = ceil(d^(1/N))}; each factor is
 * {@code sum_k (leaf_1k kron ... kron leaf_Nk)} row by row (see {@link EntangledTensor}), giving
 * {@code A [r, d_in]} and {@code B [r, d_out]}, and {@code delta = x A^T B / r}. As in the reference
 * (mttl's PolyLoRATensor), both leaf sets start from {@code U(-s, s)}, {@code s = sqrt(1/3) / sqrt(d_in)},
 * at every order (see {@link EntangledTensor#randomLeaves}). B's leaves are not zero, and B is built
 * through layer normalisations, so at initialisation B is a full-scale matrix and TLoRA changes the
 * model's output from the first step (unlike LoRA, whose B starts at zero); the reference keeps a zero
 * initialisation of B commented out.
 */
public final class TLora extends Adapter {
    private final int inFeatures;
    private final int outFeatures;
    private final int rank;

    /**
     * Creates a TLoRA adapter for one projection; the leaves come from the engine's seeded generator.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param tensorRank the tensor rank {@code R}
     * @param order the tensor order {@code N}
     * @param dataType the parameters' data type
     */
    public TLora(NDManager manager, int inFeatures, int outFeatures, int rank, int tensorRank, int order,
            DataType dataType) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        addParameter("leaves_a",
                EntangledTensor.randomLeaves(manager, inFeatures, inFeatures, rank, tensorRank, order, dataType));
        addParameter("leaves_b",
                EntangledTensor.randomLeaves(manager, inFeatures, outFeatures, rank, tensorRank, order, dataType));
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        NDArray a = EntangledTensor.build(StepScope.view(parameter("leaves_a"), scope), inFeatures).sum(new int[] {0});
        NDArray b = EntangledTensor.build(StepScope.view(parameter("leaves_b"), scope), outFeatures).sum(new int[] {0});
        return Scalars.mul(x.matMul(a.transpose()).matMul(b), 1f / rank);
    }
}
