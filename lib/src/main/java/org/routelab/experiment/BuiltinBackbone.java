package org.routelab.experiment;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.backbone.ModelCache;
import org.routelab.backbone.TextTokenizer;
import org.routelab.backbone.t5.T5Config;
import org.routelab.backbone.t5.T5Model;
import org.routelab.data.EncodedExample;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.StepBatches;
import org.routelab.data.TaskBatch;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.train.ParameterGroup;
import org.routelab.train.Trainer;
import org.routelab.train.TrainerConfig;
import org.routelab.train.TrainingObjective;

/**
 * The built-in backbone: a tiny T5 (T5 v1.1 layout, d_model 64, 3 + 3 blocks, vocabulary of the SkillComp symbols) that
 * the project pretrains on the symbol space with copying and T5-style span corruption, so that it
 * knows the symbols but none of the skills. It is built once per recipe and kept in the {@link
 * ModelCache}; the first run pays for the pretraining (well under a minute on two CPU cores).
 */
public final class BuiltinBackbone {
    /** Changes whenever the pretraining procedure changes, so old cache entries are not reused. */
    private static final int PROCEDURE_VERSION = 1;

    private static final int D_MODEL = 64;
    private static final int LAYERS = 3;

    private BuiltinBackbone() {}

    /**
     * How the backbone is made.
     *
     * @param data the SkillComp sizes whose symbol space it learns
     * @param examplesPerObjective pretraining examples of each objective (copy, span corruption)
     * @param steps pretraining updates
     * @param batchSize examples per update
     * @param learningRate AdamW peak learning rate
     * @param seed initialisation, data and dropout seed
     */
    public record Recipe(SkillCompConfig data, int examplesPerObjective, int steps, int batchSize,
            float learningRate, int seed) {
        /** The default recipe. */
        public static final Recipe DEFAULT = new Recipe(SkillCompConfig.DEFAULT, 4000, 1000, 32, 3e-3f, 0);

        String cacheKey() {
            Map<String, Object> key = new LinkedHashMap<>();
            key.put("procedure", PROCEDURE_VERSION);
            key.put("recipe", toString());
            key.put("config", config(data).toJson().toString());
            return key.toString();
        }
    }

    /**
     * Returns the backbone's architecture for a SkillComp configuration.
     *
     * @param data the benchmark sizes (they fix the vocabulary)
     * @return the architecture, with the benchmark's vocabulary size
     */
    public static T5Config config(SkillCompConfig data) {
        return T5Config.builder()
                .set("vocab_size", SkillComp.vocabularySize(data))
                .set("d_model", D_MODEL)
                .set("d_kv", 16)
                .set("num_heads", 4)
                .set("d_ff", 4 * D_MODEL)
                .set("num_layers", LAYERS)
                .set("num_decoder_layers", LAYERS)
                .set("feed_forward_proj", "gated-gelu")
                .set("tie_word_embeddings", false)
                .set("dropout_rate", 0.1)
                .build();
    }

    /**
     * Returns the folder of the pretrained backbone ({@code config.json}, {@code model.safetensors},
     * {@code tokenizer.json}), pretraining it first if the cache has no valid copy.
     *
     * @param recipe how it is made
     * @param cache where it is kept
     * @param listener told about pretraining steps when they run
     * @return the model folder
     */
    public static Path folder(Recipe recipe, ModelCache cache, Trainer.StepListener listener) {
        return cache.getOrBuild("skillcomp-t5-tiny", recipe.cacheKey(), dir -> pretrain(recipe, dir, listener));
    }

    /**
     * Returns the default backbone's folder from the default cache.
     *
     * @return the model folder
     */
    public static Path folder() {
        return folder(Recipe.DEFAULT, ModelCache.defaultCache(), Trainer.StepListener.NONE);
    }

    private static void pretrain(Recipe recipe, Path dir, Trainer.StepListener listener) throws IOException {
        Path tokenizerFile = dir.resolve("tokenizer.json");
        SkillComp.writeTokenizer(recipe.data(), tokenizerFile);
        T5Config config = config(recipe.data());
        try (NDManager manager = NDManager.newBaseManager(); TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            T5Model model = new T5Model(manager, config, DataType.FLOAT32);
            model.initialize(recipe.seed());
            model.setTrainable(true);
            List<EncodedExample> examples = new ExampleEncoder(tokenizer).encodeTraining(
                    SkillComp.pretraining(recipe.data(), recipe.examplesPerObjective(), recipe.seed()));
            StepBatches<EncodedExample> batches = new StepBatches<>(examples, recipe.batchSize(), recipe.seed());
            TrainingObjective objective = (step, scope) -> {
                TaskBatch b = TaskBatch.of(scope, batches.batch(step), model);
                return new TrainingObjective.StepLoss(model.loss(b.inputs(), ForwardContext.train()),
                        b.inputs().targetTokens());
            };
            Map<String, Parameter> all = model.namedParameters();
            TrainerConfig trainerConfig = new TrainerConfig(recipe.steps(), TrainerConfig.OptimizerKind.ADAMW, 0.06,
                    1f, 0.01f, 0, 1, recipe.seed());
            new Trainer(trainerConfig, List.of(new ParameterGroup("backbone", recipe.learningRate(), all)), null)
                    .run(objective, listener);
            model.save(dir, tokenizerFile);
        }
    }
}
