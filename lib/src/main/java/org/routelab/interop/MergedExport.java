package org.routelab.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.AdaptedLinear;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.MergeableAdapter;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.util.AtomicFiles;

/**
 * Writes a complete Hugging Face model folder with the adapters folded into the frozen weights
 * ({@code W0 + delta W}), for serving with transformers or vLLM without any adapter code: {@code
 * config.json} exactly as the source folder had it (so in its transformers 4 or 5 layout), the weights
 * under their original names, and the source's tokenizer files. Every adapter must be a fixed weight
 * update ({@link MergeableAdapter}: LoRA, or Poly/MHR turned into one task's LoRA by {@link Mixtures}).
 */
public final class MergedExport {
    /** Files copied from the source folder when present, besides {@code tokenizer.json}. */
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "spiece.model", "tokenizer.model", "generation_config.json");

    private MergedExport() {}

    /**
     * Merges the model's adapters into its weights (in place: the adapters stay merged) and writes the folder.
     *
     * @param model the backbone with mergeable adapters
     * @param source the backbone's folder (its {@code config.json} and tokenizer files are copied)
     * @param out the folder to write (created if absent)
     * @throws IllegalArgumentException if an adapter cannot be merged, naming the projection
     * @throws UncheckedIOException if a file cannot be read or written
     */
    public static void write(LanguageModel model, Path source, Path out) {
        Map<String, AdaptedLinear> layers = AdapterInjector.adaptedLayers(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the model has no adapters to merge");
        }
        layers.forEach((path, l) -> {
            if (!(l.adapter() instanceof MergeableAdapter)) {
                throw new IllegalArgumentException(path + " holds a " + l.adapter().getClass().getSimpleName()
                        + ", which depends on its input or task and has no single merged weight");
            }
        });
        layers.values().forEach(AdaptedLinear::merge);
        try {
            Files.createDirectories(out);
            // The merged projections keep their original weight names; the adapters' own tensors stay out.
            HfCheckpoint.save(out, model, name -> !name.contains("." + AdapterTensors.ADAPTER + "."));
            for (String name : TOKENIZER_FILES) {
                if (Files.isRegularFile(source.resolve(name))) {
                    AtomicFiles.writeStream(out.resolve(name), o -> Files.copy(source.resolve(name), o));
                }
            }
            AtomicFiles.writeStream(out.resolve("config.json"), o -> Files.copy(source.resolve("config.json"), o));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the merged model to " + out + ": " + e.getMessage(), e);
        }
    }
}
