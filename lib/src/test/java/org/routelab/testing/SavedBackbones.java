package org.routelab.testing;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.experiment.BuiltinBackbone;

/** Small random-weight backbones on a SkillComp vocabulary, saved as a user's Hugging Face folder would be. */
public final class SavedBackbones {
    private SavedBackbones() {}

    /**
     * Writes a backbone folder (weights from seed 3) and its tokenizer beside it as {@code tokenizer.json}.
     *
     * @param architecture T5 or Llama
     * @param suite the SkillComp sizes whose vocabulary and lengths the model takes
     * @param folder the model folder to write
     * @return {@code folder}
     * @throws IOException if writing fails
     */
    public static Path write(BuiltinBackbone.Architecture architecture, SkillCompConfig suite, Path folder)
            throws IOException {
        Path tokenizer = folder.resolveSibling("tokenizer.json");
        SkillComp.writeTokenizer(suite, tokenizer);
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.create(architecture.config(suite), m, DataType.FLOAT32);
            model.initialize(3);
            model.save(folder, tokenizer);
        }
        return folder;
    }
}
