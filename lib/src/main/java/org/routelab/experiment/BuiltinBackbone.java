package org.routelab.experiment;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelCache;
import org.routelab.backbone.TextTokenizer;
import org.routelab.backbone.llama.LlamaConfig;
import org.routelab.backbone.t5.T5Config;
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
 * The built-in backbone: a tiny model (vocabulary of the SkillComp symbols) that the project
 * pretrains on the symbol space with copying and T5-style span corruption, so that it knows the
 * symbols but none of the skills. The default is an encoder-decoder T5; a decoder-only Llama of about
 * the same size is made by the same recipe, reading input and target as one sequence. It is built once
 * per recipe and kept in the {@link ModelCache}; the first run pays for the pretraining (well under a
 * minute on two CPU cores).
 */
public final class BuiltinBackbone {
    /**
     * Changes whenever the pretraining procedure or its arithmetic changes, so old cache entries are not
     * reused (4: gelu_new computed as x sigmoid(2u), equal up to rounding, which a thousand steps amplify).
     */
    private static final int PROCEDURE_VERSION = 4;

    private static final int D_MODEL = 64;
    private static final int LAYERS = 3;

    private BuiltinBackbone() {}

    /** The built-in backbone's architecture; both use width 64, 4 heads of 16 dimensions and 6 blocks. */
    public enum Architecture {
        /** T5 v1.1 layout: 3 encoder and 3 decoder blocks, gated GELU, untied head, dropout 0.1. */
        T5("skillcomp-t5-tiny") {
            @Override
            public ConfigJson config(SkillCompConfig data) {
                T5Config c = T5Config.builder()
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
                return new ConfigJson(c.toJson(), "built-in T5");
            }
        },
        /**
         * Llama layout: 6 decoder layers (as many blocks as the T5's two stacks), SwiGLU, untied head.
         * Plain multi-head attention (4 key/value heads), so that every projection is a multiple of 64
         * and MHR's default 64 heads divide it as on the T5. The SkillComp tokenizer's ids: pad 0, end of
         * sequence 1, no beginning-of-sequence token.
         */
        LLAMA("skillcomp-llama-tiny") {
            @Override
            public ConfigJson config(SkillCompConfig data) {
                LlamaConfig c = LlamaConfig.builder("llama")
                        .set("vocab_size", SkillComp.vocabularySize(data))
                        .set("hidden_size", D_MODEL)
                        .set("intermediate_size", 4 * D_MODEL)
                        .set("num_hidden_layers", 2 * LAYERS)
                        .set("num_attention_heads", 4)
                        .set("max_position_embeddings", 256)
                        .set("pad_token_id", 0)
                        .set("eos_token_id", 1)
                        .setJson("bos_token_id", "null")
                        .build();
                return new ConfigJson(c.toJson(), "built-in Llama");
            }
        };

        private final String cacheName;

        Architecture(String cacheName) {
            this.cacheName = cacheName;
        }

        /**
         * Returns the backbone's {@code config.json} fields for a SkillComp configuration.
         *
         * @param data the benchmark sizes (they fix the vocabulary)
         * @return the configuration, with the benchmark's vocabulary size
         */
        public abstract ConfigJson config(SkillCompConfig data);
    }

    /**
     * How the backbone is made.
     *
     * @param architecture the model family
     * @param data the SkillComp sizes whose symbol space it learns
     * @param examplesPerObjective pretraining examples of each objective (copy, span corruption)
     * @param steps pretraining updates
     * @param batchSize examples per update
     * @param learningRate AdamW peak learning rate
     * @param seed initialisation, data and dropout seed
     */
    public record Recipe(Architecture architecture, SkillCompConfig data, int examplesPerObjective, int steps,
            int batchSize, float learningRate, int seed) {
        /** The default recipe (T5). */
        public static final Recipe DEFAULT =
                new Recipe(Architecture.T5, SkillCompConfig.DEFAULT, 4000, 1000, 32, 3e-3f, 0);

        /**
         * Returns this recipe for another architecture.
         *
         * @param other the architecture
         * @return the recipe
         */
        public Recipe withArchitecture(Architecture other) {
            return new Recipe(other, data, examplesPerObjective, steps, batchSize, learningRate, seed);
        }

        String cacheKey() {
            Map<String, Object> key = new LinkedHashMap<>();
            key.put("procedure", PROCEDURE_VERSION);
            key.put("recipe", toString());
            key.put("config", architecture.config(data).json().toString());
            return key.toString();
        }
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
        return cache.getOrBuild(recipe.architecture().cacheName, recipe.cacheKey(),
                dir -> pretrain(recipe, dir, listener));
    }

    /**
     * Returns the default backbone's folder from the default cache.
     *
     * @return the model folder
     */
    public static Path folder() {
        return folder(Architecture.T5);
    }

    /**
     * Returns the folder of the default recipe's backbone of an architecture, from the default cache,
     * e.g. for {@code Experiment.builder().backbone(BuiltinBackbone.folder(Architecture.LLAMA))}.
     *
     * @param architecture the model family
     * @return the model folder
     */
    public static Path folder(Architecture architecture) {
        return folder(Recipe.DEFAULT.withArchitecture(architecture), ModelCache.defaultCache(),
                Trainer.StepListener.NONE);
    }

    private static void pretrain(Recipe recipe, Path dir, Trainer.StepListener listener) throws IOException {
        Path tokenizerFile = dir.resolve("tokenizer.json");
        SkillComp.writeTokenizer(recipe.data(), tokenizerFile);
        ConfigJson config = recipe.architecture().config(recipe.data());
        try (NDManager manager = NDManager.newBaseManager(); TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            LanguageModel model = LanguageModel.create(config, manager, DataType.FLOAT32);
            model.initialize(recipe.seed());
            model.setTrainable(true);
            List<EncodedExample> examples = new ExampleEncoder(tokenizer).encodeTraining(
                    SkillComp.pretraining(recipe.data(), recipe.examplesPerObjective(), recipe.seed()));
            StepBatches<EncodedExample> batches = new StepBatches<>(examples, recipe.batchSize(), recipe.seed());
            TrainingObjective objective = (step, scope, random) -> {
                TaskBatch b = TaskBatch.of(scope, batches.batch(step), model);
                return new TrainingObjective.StepLoss(model.loss(b.inputs(), ForwardContext.train(random)),
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
