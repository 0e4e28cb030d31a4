package org.routelab.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.analysis.GradientAlignment;
import org.routelab.analysis.Similarity;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.EncodedExample;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.Task;
import org.routelab.data.TaskBatch;
import org.routelab.data.TaskSuite;
import org.routelab.method.ParameterRole;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.train.StepGradients;

/**
 * Measures gradient alignment during multi-task training: a fixed probe batch per training task (its
 * first examples), the gradient of each task's loss on the adapter (expert) parameters, and their
 * pairwise cosine similarities ({@link GradientAlignment#between}). Routing logits are left out: a
 * task's logits receive no gradient from the other tasks, so they would only dilute the similarity.
 * The probe routes as evaluation does (no Gumbel noise), so measurements differ only as the weights do.
 */
final class GradientProbe {
    private final List<String> tasks = new ArrayList<>();
    private final List<List<EncodedExample>> probes = new ArrayList<>();

    /**
     * Encodes the probe batches.
     *
     * @param suite the training tasks
     * @param encoder the tokenizer's encoder
     * @param examplesPerTask the probe batch size (positive)
     */
    GradientProbe(TaskSuite suite, ExampleEncoder encoder, int examplesPerTask) {
        List<Task> training = suite.training();
        for (int id = 0; id < training.size(); id++) {
            Task task = training.get(id);
            tasks.add(task.name());
            int n = Math.min(examplesPerTask, task.examples().size());
            probes.add(encoder.encode(task.examples().subList(0, n), id));
        }
    }

    /**
     * Computes every task's gradient and their similarities, leaving the parameters' gradients at zero
     * (as the trainer leaves them between steps).
     *
     * @param model the model being trained
     * @param routing what the routers read
     * @return the task pairs' cosine similarities
     */
    Similarity measure(LanguageModel model, RoutingInputs routing) {
        Map<String, Parameter> trainable = model.trainableParameters();
        Map<String, Parameter> experts = new LinkedHashMap<>(ParameterRole.split(model).get(ParameterRole.ADAPTER));
        experts.keySet().retainAll(trainable.keySet());
        List<Map<String, float[]>> gradients = new ArrayList<>();
        for (List<EncodedExample> probe : probes) {
            try (NDManager scope = model.manager().newSubManager()) {
                try (StepGradients recording = new StepGradients()) {
                    TaskBatch b = TaskBatch.of(scope, probe, model);
                    ForwardContext ctx = routing.context(b, model, ForwardContext.eval());
                    recording.backward(model.loss(b.inputs(), ctx));
                }
                Map<String, float[]> g = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                    NDArray grad = e.getValue().array().getGradient();
                    grad.attach(scope);
                    if (experts.containsKey(e.getKey())) {
                        g.put(e.getKey(), grad.toFloatArray());
                    }
                    grad.muli(0f); // gradients accumulate: the next probe and the next step start from zero
                }
                gradients.add(g);
            }
        }
        return GradientAlignment.between(tasks, gradients);
    }
}
