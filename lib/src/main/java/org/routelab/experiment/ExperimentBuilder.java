package org.routelab.experiment;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.routelab.data.TaskSuite;
import org.routelab.method.MethodConfig;
import org.routelab.routing.AdaptationVariant;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

/**
 * Options of an experiment ({@link Experiment#builder()}): each call changes the {@link ExperimentConfig} it builds (unset ones keep
 * {@link ExperimentConfig#DEFAULT}), checked by the config binder when {@link #build} is called.
 */
public final class ExperimentBuilder {
    /** The changes, as the JSON object they would be in a run config. */
    private final ObjectNode changes = ConfigBinding.MAPPER.createObjectNode();
    private TaskSuite suite;
    private RoutingInputs.Encoder intuitionEncoder = RoutingInputs.Encoder.BACKBONE;

    ExperimentBuilder() {}

    private ExperimentBuilder set(String dottedPath, Object value) {
        ObjectNode node = changes;
        String[] keys = dottedPath.split("\\.");
        for (int i = 0; i < keys.length - 1; i++) {
            node = node.has(keys[i]) ? (ObjectNode) node.get(keys[i]) : node.putObject(keys[i]);
        }
        node.set(keys[keys.length - 1], ConfigBinding.MAPPER.valueToTree(value));
        return this;
    }

    /**
     * Sets the label shown in tables.
     *
     * @param name the label
     * @return this builder
     */
    public ExperimentBuilder name(String name) {
        return set("name", name);
    }

    /**
     * Uses a Hugging Face model folder instead of the built-in backbone.
     *
     * @param folder the folder ({@code config.json}, weights, {@code tokenizer.json})
     * @return this builder
     */
    public ExperimentBuilder backbone(Path folder) {
        return set("backbone", folder.toString());
    }

    /**
     * Uses another task suite (e.g. one read with {@code JsonlTasks.readSuite}); the config then says
     * {@link ExperimentConfig#IN_MEMORY}.
     *
     * @param suite training and held-out tasks
     * @return this builder
     */
    public ExperimentBuilder suite(TaskSuite suite) {
        this.suite = Objects.requireNonNull(suite, "suite");
        return set("suite", ExperimentConfig.IN_MEMORY);
    }

    /**
     * Sets the method with its options.
     *
     * @param config the method configuration
     * @return this builder
     */
    public ExperimentBuilder method(MethodConfig config) {
        changes.set("method", config.toJson());
        return this;
    }

    /**
     * Sets the method by name with the papers' default options.
     *
     * @param name e.g. {@code poly}, {@code mhr}, {@code tensorpoly-2}
     * @return this builder
     */
    public ExperimentBuilder method(String name) {
        return method(MethodConfig.defaults(name));
    }

    /**
     * Starts from an adapter written by PEFT ({@code adapter_config.json} and {@code
     * adapter_model.safetensors}, LORA or POLY) instead of multi-task training: the method, its sizes
     * and its projections come from the adapter (replacing {@link #method}), and the same adaptation
     * and evaluation follow. Use the adapter's base model as {@link #backbone}.
     *
     * @param peftFolder the adapter folder
     * @return this builder
     */
    public ExperimentBuilder adapters(Path peftFolder) {
        return set("adapters", peftFolder.toString());
    }

    /**
     * Sets the multi-task training length; 0 skips it (few-shot training from a fresh adapter).
     *
     * @param steps the number of updates
     * @return this builder
     */
    public ExperimentBuilder multitaskSteps(int steps) {
        return set("multitask.steps", steps);
    }

    /**
     * Sets the batch size of multi-task training and the largest of adaptation.
     *
     * @param size examples per batch
     * @return this builder
     */
    public ExperimentBuilder batchSize(int size) {
        return set("multitask.batch_size", size);
    }

    /**
     * Sets the multi-task learning rates (by default the method's and {@link
     * org.routelab.method.LearningRates#ROUTING}); the routing rate also serves adaptation.
     *
     * @param adapters the experts' learning rate
     * @param routing the routing logits' learning rate
     * @return this builder
     */
    public ExperimentBuilder learningRates(float adapters, float routing) {
        return set("multitask.lr", adapters).set("multitask.routing_lr", routing);
    }

    /**
     * Adapts to and scores the validation tasks instead of the held-out test tasks (to choose settings).
     *
     * @param split test or validation
     * @return this builder
     */
    public ExperimentBuilder split(Split split) {
        return set("split", Objects.requireNonNull(split, "split"));
    }

    /**
     * Sets the adaptation variant.
     *
     * @param variant full, -z or -mu
     * @return this builder
     */
    public ExperimentBuilder variant(AdaptationVariant variant) {
        return set("adaptation.variant", Objects.requireNonNull(variant, "variant"));
    }

    /**
     * Sets the few-shot adaptation.
     *
     * @param shots examples per held-out task ({@code k})
     * @param steps updates
     * @param learningRate the experts' learning rate
     * @return this builder
     */
    public ExperimentBuilder adaptation(int shots, int steps, float learningRate) {
        return adaptation(shots, steps).set("adaptation.lr", learningRate);
    }

    /**
     * Sets the few-shot adaptation, keeping the learning rate (by default the method's).
     *
     * @param shots examples per held-out task ({@code k})
     * @param steps updates
     * @return this builder
     */
    public ExperimentBuilder adaptation(int shots, int steps) {
        return set("adaptation.shots", shots).set("adaptation.steps", steps);
    }

    /**
     * Gives some held-out tasks their own number of shots (the papers use 50 for Winogrande, 70
     * for StoryCloze and 20 for H-SWAG); the others keep the adaptation's {@code shots}.
     *
     * @param shots shots by held-out task name (positive)
     * @return this builder
     */
    public ExperimentBuilder shotsPerTask(Map<String, Integer> shots) {
        return set("adaptation.shots_per_task", shots);
    }

    /**
     * Sets the adaptation loss.
     *
     * @param loss LM or T-Few
     * @return this builder
     */
    public ExperimentBuilder adaptationLoss(AdaptationLoss loss) {
        return set("adaptation.loss", Objects.requireNonNull(loss, "loss"));
    }

    /**
     * Evaluates during adaptation: every {@code every} steps (and after the last), the accuracy on
     * {@code examples} validation examples taken from the held-out task's non-shot examples (they
     * are then left out of the test set). With {@code keepBest}, the test set is scored with the
     * weights of the best evaluation (the best-validation protocol); otherwise with the last.
     *
     * @param every steps between evaluations (positive)
     * @param examples validation examples per task (positive)
     * @param keepBest whether to keep the best-validation weights
     * @return this builder
     */
    public ExperimentBuilder validation(int every, int examples, boolean keepBest) {
        if (every <= 0) {
            throw new ConfigException("adaptation.evaluate_every", "must be >= 1 to validate, got " + every);
        }
        return set("adaptation.evaluate_every", every).set("adaptation.validation_examples", examples)
                .set("adaptation.keep_best", keepBest);
    }

    /**
     * Sets where the arrays live; by default the engine's default device (the first GPU when there
     * is one, else the CPU).
     *
     * @param device e.g. {@code Device.cpu()} or {@code Device.gpu(0)}
     * @return this builder
     */
    public ExperimentBuilder device(Device device) {
        return set("device", device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu");
    }

    /**
     * Sets how often multi-task training writes a checkpoint when the run has an output folder.
     *
     * @param steps steps between checkpoints (positive)
     * @return this builder
     */
    public ExperimentBuilder checkpointEvery(int steps) {
        return set("multitask.checkpoint_every", steps);
    }

    /**
     * Keeps copies of the trained parameters every {@code steps} steps of multi-task training
     * ({@link ExperimentResult#multitaskSnapshots}), e.g. to draw the routers' trajectories. They
     * live on the Java heap, so mind the parameters' size times the number of snapshots. A run that
     * resumes from a checkpoint has snapshots of the steps it ran itself only.
     *
     * @param steps steps between snapshots (positive)
     * @return this builder
     */
    public ExperimentBuilder snapshotEvery(int steps) {
        if (steps <= 0) {
            throw new ConfigException("multitask.snapshot_every", "must be >= 1 to take snapshots, got " + steps);
        }
        return set("multitask.snapshot_every", steps);
    }

    /**
     * Measures gradient alignment during multi-task training ({@link ExperimentResult#gradientAlignment}):
     * every {@code every} steps and after the last, the cosine similarity between the training tasks'
     * gradients on the adapter parameters, each task's from its first {@code probeExamples} examples.
     * Each measurement costs a forward and backward pass of every probe batch. Kept in memory only.
     *
     * @param every steps between measurements (positive)
     * @param probeExamples examples in each task's probe batch (positive)
     * @return this builder
     */
    public ExperimentBuilder gradientAlignment(int every, int probeExamples) {
        if (every <= 0) {
            throw new ConfigException("multitask.alignment_every", "must be >= 1 to measure, got " + every);
        }
        return set("multitask.alignment_every", every).set("multitask.alignment_examples", probeExamples);
    }

    /**
     * Sets the few-shot seeds.
     *
     * @param seeds the seeds (the papers use 0, 1024, 42)
     * @return this builder
     */
    public ExperimentBuilder seeds(Integer... seeds) {
        return set("seeds", List.of(seeds));
    }

    /**
     * Sets the sentence encoder of a per-example prior, e.g. T-REX's intuition (default: the frozen
     * backbone). Not part of the config.
     *
     * @param encoder the encoder
     * @return this builder
     */
    public ExperimentBuilder intuitionEncoder(RoutingInputs.Encoder encoder) {
        this.intuitionEncoder = Objects.requireNonNull(encoder, "encoder");
        return this;
    }

    /**
     * Returns the experiment.
     *
     * @throws ConfigException naming the first value the config binder refuses
     */
    public Experiment build() {
        ExperimentConfig config = ExperimentConfig.fromJson(changes, "");
        if (suite == null) {
            Experiment fromConfig = Experiment.of(config);
            return Experiment.of(fromConfig.config(), fromConfig.suite(), intuitionEncoder);
        }
        return Experiment.of(config, suite, intuitionEncoder);
    }
}
