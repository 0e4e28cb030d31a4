package org.routelab.experiment;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.routelab.adapter.AdapterInjector;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.TextTokenizer;
import org.routelab.data.EncodedExample;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.TaskSuite;
import org.routelab.eval.RankClassification;
import org.routelab.method.MethodConfig;
import org.routelab.method.ParameterRole;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.train.ParameterGroup;

/**
 * What the phases of one experiment share: the backbone, read once, with its tokenizer; the method
 * (knowing the suite's training tasks); the encoded training examples; and the routing inputs, prepared
 * once before any phase. Each phase, and each held-out task and seed, {@link #freshAdapters injects fresh
 * adapters} into a scope and {@link #removeAdapters removes} them afterwards, so the frozen backbone is
 * never read again.
 */
final class Workbench implements AutoCloseable {
    /** Examples per batch when scoring by rank classification. */
    static final int EVALUATION_BATCH = 64;

    final NDManager manager;
    final LanguageModel model;
    final ExampleEncoder encoder;
    final MethodConfig method;
    final List<EncodedExample> training;
    final RoutingInputs routing;
    private final TextTokenizer tokenizer;

    private Workbench(NDManager manager, LanguageModel model, TextTokenizer tokenizer, MethodConfig method,
            List<EncodedExample> training, RoutingInputs routing) {
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.encoder = new ExampleEncoder(tokenizer);
        this.method = method;
        this.training = training;
        this.routing = routing;
    }

    /**
     * Reads the backbone and prepares the routing inputs.
     *
     * @param config the experiment
     * @param suite its tasks
     * @param intuitionEncoder the sentence encoder of a per-example prior
     * @return the workbench; close it to free the backbone
     */
    static Workbench open(ExperimentConfig config, TaskSuite suite, RoutingInputs.Encoder intuitionEncoder) {
        return open(config, suite, intuitionEncoder, suite.numTrainingTasks());
    }

    /**
     * Reads the backbone and prepares the routing inputs, with task routers of a given size (an imported
     * adapter's, rather than the suite's).
     *
     * @param config the experiment
     * @param suite its tasks
     * @param intuitionEncoder the sentence encoder of a per-example prior
     * @param routedTasks the number of tasks the task routers know
     * @return the workbench; close it to free the backbone
     */
    static Workbench open(ExperimentConfig config, TaskSuite suite, RoutingInputs.Encoder intuitionEncoder,
            int routedTasks) {
        Path folder = config.backbone().equals(ExperimentConfig.BUILTIN) ? BuiltinBackbone.folder()
                : Path.of(config.backbone());
        MethodConfig method = config.method().withTasks(routedTasks);
        Preflight.check(method, folder, config.deviceOrDefault());
        NDManager manager = NDManager.newBaseManager(config.deviceOrDefault());
        TextTokenizer tokenizer = null;
        try {
            tokenizer = TextTokenizer.load(folder);
            ExampleEncoder encoder = new ExampleEncoder(tokenizer);
            List<EncodedExample> training = encoder.encodeTraining(suite);
            Preflight.checkLengths(suite, training, encoder, Preflight.maxTokens(folder));
            LanguageModel model = LanguageModel.load(folder, manager, DataType.FLOAT32);
            RoutingInputs routing = RoutingInputs.prepare(method.routing(), model, training, intuitionEncoder);
            return new Workbench(manager, model, tokenizer, method, training, routing);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Injects the method's adapters with their parameters in {@code scope}.
     *
     * @param scope owns the adapters; close it after {@link #removeAdapters}
     * @param random the stream their initial values are drawn from
     * @return the model with fresh adapters
     */
    LanguageModel freshAdapters(NDManager scope, RandomStream random) {
        AdapterInjector.remove(model);
        method.inject(model, scope, random, DataType.FLOAT32);
        return model;
    }

    /** Takes the adapters out again, leaving the backbone as it was read. */
    void removeAdapters() {
        AdapterInjector.remove(model);
    }

    /**
     * Returns the rank-classification accuracy of the model as it is (evaluation mode).
     *
     * @param examples the scored examples
     * @param scope where the batches live
     * @return the fraction predicted correctly
     */
    double accuracy(List<EncodedExample> examples, NDManager scope) {
        int[] predictions = RankClassification.predict(examples, EVALUATION_BATCH, scope, model,
                b -> routing.context(b, model, ForwardContext.eval()));
        return RankClassification.accuracy(examples, predictions);
    }

    /**
     * Returns the trainable parameters of a phase in two groups: the experts' and the routing logits'.
     *
     * @param adapters the experts' learning rate
     * @param routingRate the routing logits' learning rate
     * @return the non-empty groups
     */
    List<ParameterGroup> groups(float adapters, float routingRate) {
        Map<ParameterRole, Map<String, Parameter>> roles = ParameterRole.split(model);
        Set<String> trainable = model.trainableParameters().keySet();
        roles.values().forEach(params -> params.keySet().retainAll(trainable));
        List<ParameterGroup> groups = new ArrayList<>();
        if (!roles.get(ParameterRole.ADAPTER).isEmpty()) {
            groups.add(new ParameterGroup("adapter", adapters, roles.get(ParameterRole.ADAPTER)));
        }
        if (!roles.get(ParameterRole.ROUTING).isEmpty()) {
            groups.add(new ParameterGroup("routing", routingRate, roles.get(ParameterRole.ROUTING)));
        }
        return groups;
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
