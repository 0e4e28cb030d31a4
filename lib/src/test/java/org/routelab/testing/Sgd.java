package org.routelab.testing;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelBatch;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;

/** Plain SGD for tests: the optimiser-free way to check that training touches what it should. */
public final class Sgd {
    private Sgd() {}

    /**
     * One plain SGD step on the trainable parameters, in a sub-scope of {@code m}.
     *
     * @param model the model
     * @param m the scope the step's arrays live in (closed by the caller or here)
     * @param batch the batch
     * @param ctx the forward context (training flag, task ids)
     * @param lr the learning rate
     * @return the loss before the update
     */
    public static float step(LanguageModel model, NDManager m, ModelBatch batch, ForwardContext ctx, float lr) {
        float loss;
        try (NDManager step = m.newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = model.loss(batch, ctx);
                loss = l.getFloat();
                gc.backward(l);
            }
            for (Parameter p : model.trainableParameters().values()) {
                try (NDArray g = p.array().getGradient(); NDArray update = g.mul(lr)) {
                    p.array().subi(update);
                    g.subi(g);
                }
            }
        }
        return loss;
    }
}
