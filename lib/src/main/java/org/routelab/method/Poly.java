package org.routelab.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.adapter.StepScope;
import org.routelab.nn.ForwardContext;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.Router;

/**
 * Poly (Polytropon): an inventory of S LoRA skills {@code A [1, S, d_in, r]} (kaiming-uniform),
 * {@code B [1, S, r, d_out]} (zero), combined per task by a router over the skills. The factors are
 * averaged separately, {@code A_tau = sum_s w_s A_s}, {@code B_tau = sum_s w_s B_s}, and
 * {@code delta = x A_tau B_tau / r}.
 */
public final class Poly extends RoutedAdapter {
    private final int inFeatures;
    private final int outFeatures;
    private final int rank;
    private final int skills;

    /**
     * Creates a Poly adapter for one projection; {@code A} comes from the engine's seeded generator.
     *
     * @param manager owns the parameters
     * @param inFeatures the projection's input size
     * @param outFeatures the projection's output size
     * @param rank the LoRA rank {@code r}
     * @param skills the number of skills {@code S}
     * @param router the router over the skills ({@code 1 x S})
     * @param ownsRouter whether this adapter registers the router
     * @param dataType the parameters' data type
     */
    public Poly(NDManager manager, int inFeatures, int outFeatures, int rank, int skills, Router router,
            boolean ownsRouter, DataType dataType) {
        super(1, skills, router, ownsRouter);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.rank = rank;
        this.skills = skills;
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        addParameter("lora_a", manager.randomUniform(-bound, bound, new Shape(1, skills, inFeatures, rank), dataType));
        addParameter("lora_b", manager.zeros(new Shape(1, skills, rank, outFeatures), dataType));
    }

    @Override
    public NDArray delta(NDArray x, ForwardContext ctx) {
        NDManager scope = x.getManager();
        NDArray w = routingWeights(x, ctx);
        long rows = w.getShape().get(0);
        NDArray flat = w.reshape(rows, skills);
        NDArray a = flat.matMul(StepScope.view(parameter("lora_a"), scope).reshape(skills, (long) inFeatures * rank))
                .reshape(rows, inFeatures, rank);
        NDArray b = flat.matMul(StepScope.view(parameter("lora_b"), scope).reshape(skills, (long) rank * outFeatures))
                .reshape(rows, rank, outFeatures);
        return perRank(lowRank(x, a, b), rank);
    }

    /** Returns the LoRA whose factors are the skills' averages (alpha 1, so its scale is {@code 1/r} too). */
    @Override
    public Lora averaged() {
        LoraConfig config = new LoraConfig(rank, 1f, 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS);
        NDManager manager = parameter("lora_a").array().getManager();
        Lora lora = new Lora(manager, inFeatures, outFeatures, config, parameter("lora_a").array().getDataType());
        try (NDManager tmp = manager.newSubManager()) {
            lora.parameter("lora_a").set(StepScope.view(parameter("lora_a"), tmp).mean(new int[] {1})
                    .reshape(inFeatures, rank).stopGradient());
            lora.parameter("lora_b").set(StepScope.view(parameter("lora_b"), tmp).mean(new int[] {1})
                    .reshape(rank, outFeatures).stopGradient());
        }
        return lora;
    }
}
