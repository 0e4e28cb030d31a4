package org.routelab.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.TransformersLayouts;
import org.routelab.backbone.checkpoint.HfCheckpoint;
import org.routelab.backbone.checkpoint.SafetensorsFile;
import org.routelab.method.MethodConfig;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;

/** Merged Hugging Face folders reload to the adapted logits; other methods export in RouteLab's layout and reload. */
class MergedAndRouteLabExportTest {
    private static final List<String> TASKS = List.of("a", "b");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5", "llama", "mistral", "qwen2", "t5-v5-layout", "llama-v5-layout", "qwen2-v5-layout"})
    void aMergedFolderReloadsToTheAdaptedLogits(String which) throws IOException {
        String family = which.replace("-v5-layout", "");
        Path base = Backbones.folder(dir, family);
        if (which.endsWith("v5-layout")) {
            Path v5 = dir.resolve(which);
            Files.createDirectories(v5);
            for (String f : List.of("model.safetensors", "tokenizer.json")) {
                Files.copy(base.resolve(f), v5.resolve(f));
            }
            TransformersLayouts.writeConfig(v5, TransformersLayouts.toV5(
                    JsonParser.parseString(Files.readString(base.resolve("config.json"))).getAsJsonObject()));
            base = v5;
        }
        Path out = dir.resolve("merged-" + which);
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            MethodConfig.defaults("lora").with("rank", 2).inject(model, RandomStream.of(1), DataType.FLOAT32);
            Backbones.randomiseAdapters(model, m, 6);
            float[] adapted = Backbones.logits(model, m);
            AdapterExport.Outcome o = AdapterExport.write(model, "lora", "lora", base, List.of(), ExportFormat.MERGED,
                    null, out);
            assertEquals("merged Hugging Face model", o.layout());
            assertEquals(Files.readString(base.resolve("config.json")), Files.readString(out.resolve("config.json")),
                    "config.json keeps the source's layout");
            assertArrayEquals(Files.readAllBytes(base.resolve("tokenizer.json")), Files.readAllBytes(out.resolve("tokenizer.json")));
            assertEquals(HfCheckpoint.tensorNames(base), HfCheckpoint.tensorNames(out), "the source's tensor names");
            float[] reloaded = Backbones.logits(LanguageModel.load(out, m, DataType.FLOAT32), m);
            double diff = Backbones.maxDiff(adapted, reloaded);
            Backbones.report("merged", which, diff, adapted);
            assertTrue(diff < Backbones.tolerance(adapted), "max logit difference " + diff);
            assertTrue(Backbones.maxDiff(adapted, Backbones.logits(LanguageModel.load(base, m, DataType.FLOAT32), m)) > 1e-2);
        }
    }

    @Test
    void routedAdaptersMergeOnlyAsAChosenMixture() throws IOException {
        Path base = Backbones.folder(dir, "llama");
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            poly().inject(model, RandomStream.of(1), DataType.FLOAT32);
            Backbones.randomiseAdapters(model, m, 7);
            var e = assertThrows(IllegalArgumentException.class, () -> AdapterExport.write(model, "poly", "poly", base,
                    TASKS, ExportFormat.MERGED, null, dir.resolve("no")));
            assertTrue(e.getMessage().contains("mixture"), e.getMessage());
            float[] mu = averaged(base, m);
            AdapterExport.write(model, "poly", "poly", base, TASKS, ExportFormat.MERGED, Mixtures.AVERAGE, dir.resolve("mu"));
            float[] reloaded = Backbones.logits(LanguageModel.load(dir.resolve("mu"), m, DataType.FLOAT32), m);
            double diff = Backbones.maxDiff(mu, reloaded);
            Backbones.report("merged(poly -mu)", "llama", diff, mu);
            assertTrue(diff < Backbones.tolerance(mu), "max logit difference " + diff);
        }
    }

    private static MethodConfig poly() {
        return MethodConfig.defaults("poly").with("rank", 2).with("skills", 3).withTasks(2);
    }

    /** The -mu model's logits computed the way few-shot adaptation builds it. */
    private static float[] averaged(Path base, NDManager m) {
        LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
        poly().inject(model, RandomStream.of(1), DataType.FLOAT32);
        Backbones.randomiseAdapters(model, m, 7);
        org.routelab.routing.AdaptationVariant.AVERAGE.apply(model, 1, RandomStream.of(1));
        return Backbones.logits(model, m);
    }

    @Test
    void methodsPeftCannotHoldGoToRouteLabsLayoutAndReload() throws IOException {
        Path base = Backbones.folder(dir, "t5");
        Path out = dir.resolve("tlora");
        MethodConfig tlora = MethodConfig.defaults("tlora").with("rank", 2).with("tensor_rank", 2).with("order", 2);
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.load(base, m, DataType.FLOAT32);
            tlora.inject(model, RandomStream.of(1), DataType.FLOAT32);
            Backbones.randomiseAdapters(model, m, 8);
            float[] before = Backbones.logits(model, m);
            AdapterExport.Outcome o = AdapterExport.write(model, tlora.describe(), "tlora", base, List.of(),
                    ExportFormat.PEFT, null, out);
            assertEquals("RouteLab adapter layout", o.layout());
            assertTrue(o.note().contains("PEFT has no format for tlora"), o.note());
            JsonObject d = JsonParser.parseString(Files.readString(out.resolve(RouteLabExport.DESCRIPTOR))).getAsJsonObject();
            assertEquals("routelab-adapter", d.get("format").getAsString());
            assertEquals(tlora.describe(), d.get("method").getAsString());

            LanguageModel reloaded = LanguageModel.load(base, m, DataType.FLOAT32);
            tlora.inject(reloaded, RandomStream.of(1), DataType.FLOAT32);
            var params = reloaded.namedParameters();
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
                assertEquals(reloaded.trainableParameters().keySet(), f.names());
                for (String name : f.names()) {
                    Parameter p = params.get(name);
                    p.set(f.read(name, DataType.FLOAT32, m));
                }
            }
            double diff = Backbones.maxDiff(before, Backbones.logits(reloaded, m));
            Backbones.report("routelab", "t5", diff, before);
            assertEquals(0.0, diff);
            var merge = assertThrows(IllegalArgumentException.class, () -> AdapterExport.write(reloaded, "", "tlora", base,
                    List.of(), ExportFormat.MERGED, null, dir.resolve("no")));
            assertFalse(merge.getMessage().isEmpty());
        }
    }
}
