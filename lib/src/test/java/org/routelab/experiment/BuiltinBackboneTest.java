package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.ModelCache;
import org.routelab.backbone.llama.LlamaModel;
import org.routelab.backbone.t5.T5Model;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;

/** The built-in backbone's recipe at a tiny scale, for each architecture. */
class BuiltinBackboneTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4,
            SkillFamily.SEQUENCE);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(BuiltinBackbone.Architecture.class)
    void recipePretrainsSavesAndCachesEachArchitecture(BuiltinBackbone.Architecture architecture) {
        BuiltinBackbone.Recipe recipe = new BuiltinBackbone.Recipe(architecture, SMALL, 32, 16, 8, 3e-3f, 0);
        ModelCache cache = new ModelCache(dir);
        List<Float> losses = new ArrayList<>();
        Path folder = BuiltinBackbone.folder(recipe, cache, r -> losses.add(r.loss()));
        assertEquals(16, losses.size());
        double first = losses.subList(0, 4).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double last = losses.subList(12, 16).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        assertTrue(last < first, "pretraining losses " + losses);
        assertTrue(Files.exists(folder.resolve("tokenizer.json")));
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(folder, m, DataType.FLOAT32);
            Class<? extends LanguageModel> expected =
                    architecture == BuiltinBackbone.Architecture.T5 ? T5Model.class : LlamaModel.class;
            assertEquals(expected, model.getClass());
        }
        // A second request is served from the cache: nothing is trained.
        assertEquals(folder, BuiltinBackbone.folder(recipe, cache, r -> losses.add(r.loss())));
        assertEquals(16, losses.size());
    }
}
