package org.routelab.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.routelab.adapter.AdaptedLinear;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.Lora;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.checkpoint.SafetensorsWriter;
import org.routelab.nn.Linear;
import org.routelab.routing.RoutedAdapter;

/**
 * Writes a model's adapters as a PEFT adapter folder ({@link PeftFormat}): LoRA adapters as PEFT's
 * LORA, Poly and MHR adapters as PEFT's POLY ({@code n_splits} = MHR's heads) with the training tasks'
 * names in {@code task_names.json}. A LoRA's exported {@code lora_alpha} is its real scale times {@code r},
 * so PEFT's {@code lora_alpha / r} reproduces it. Files are written atomically, the configuration last.
 */
public final class PeftExport {
    private PeftExport() {}

    /**
     * Writes the adapters of a model whose adapted projections all hold LoRA adapters.
     *
     * @param model the backbone with injected LoRA adapters
     * @param baseModel the backbone folder, recorded as {@code base_model_name_or_path}
     * @param out the adapter folder (created if absent)
     * @throws IllegalArgumentException if some adapter is not a LoRA, or ranks or scales differ
     */
    public static void lora(LanguageModel model, Path baseModel, Path out) {
        Map<String, AdaptedLinear> layers = layers(model);
        Integer rank = null;
        Float scale = null;
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager scope = model.manager().newSubManager()) {
            for (Map.Entry<String, AdaptedLinear> e : layers.entrySet()) {
                if (!(e.getValue().adapter() instanceof Lora l)) {
                    throw new IllegalArgumentException(e.getKey() + " holds a " + name(e.getValue().adapter())
                            + ", not a LoRA; PEFT's LORA layout holds LoRA adapters only");
                }
                NDArray a = AdapterTensors.loraA(l);
                int r = (int) a.getShape().get(1);
                float s = AdapterTensors.loraScale(l);
                if ((rank != null && rank != r) || (scale != null && scale != s)) {
                    throw new IllegalArgumentException(e.getKey() + " has rank " + r + " and scale " + s
                            + ", the others " + rank + " and " + scale + "; one PEFT LoRA config needs equal ones");
                }
                rank = r;
                scale = s;
                tensors.put(PeftFormat.PREFIX + e.getKey() + PeftFormat.LORA_A, AdapterTensors.rowMajor(a.transpose(), scope));
                tensors.put(PeftFormat.PREFIX + e.getKey() + PeftFormat.LORA_B,
                        AdapterTensors.rowMajor(AdapterTensors.loraB(l).transpose(), scope));
            }
            JsonObject config = common("LORA", model, baseModel, layers);
            config.addProperty("r", rank);
            PeftFormat.addNumber(config, "lora_alpha", (double) scale * rank);
            config.addProperty("lora_dropout", 0.0);
            config.addProperty("bias", "none");
            config.addProperty("fan_in_fan_out", false);
            config.addProperty("init_lora_weights", true);
            config.addProperty("use_rslora", false);
            config.addProperty("use_dora", false);
            config.add("layers_to_transform", JsonNull.INSTANCE);
            config.add("layers_pattern", JsonNull.INSTANCE);
            config.add("rank_pattern", new JsonObject());
            config.add("alpha_pattern", new JsonObject());
            write(out, tensors, config, null);
        }
    }

    /**
     * Writes the adapters of a model whose adapted projections all hold Poly or MHR adapters, as PEFT's
     * POLY: {@code n_splits} 1 for Poly and the heads for MHR.
     *
     * @param model the backbone with injected Poly or MHR adapters, routed by task id
     * @param baseModel the backbone folder, recorded as {@code base_model_name_or_path}
     * @param taskNames the training tasks in router order, written to {@code task_names.json}
     * @param out the adapter folder (created if absent)
     * @throws IllegalArgumentException if some adapter is not Poly or MHR, or their shapes differ
     */
    public static void poly(LanguageModel model, Path baseModel, List<String> taskNames, Path out) {
        Map<String, AdaptedLinear> layers = layers(model);
        long[] shape = null;
        long tasks = 0;
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager scope = model.manager().newSubManager()) {
            for (Map.Entry<String, AdaptedLinear> e : layers.entrySet()) {
                if (!AdapterTensors.isSkilled(e.getValue().adapter())) {
                    throw new IllegalArgumentException(e.getKey() + " holds a " + name(e.getValue().adapter())
                            + "; PEFT's POLY layout holds Poly and MHR adapters only");
                }
                RoutedAdapter a = (RoutedAdapter) e.getValue().adapter();
                NDArray skillsA = AdapterTensors.skillsA(a);
                NDArray logits = AdapterTensors.taskLogits(a);
                long[] s = {skillsA.getShape().get(0), skillsA.getShape().get(1), skillsA.getShape().get(3)};
                if (shape != null && !java.util.Arrays.equals(shape, s)) {
                    throw new IllegalArgumentException(e.getKey() + " has heads, skills and rank "
                            + java.util.Arrays.toString(s) + ", the others " + java.util.Arrays.toString(shape));
                }
                shape = s;
                tasks = logits.getShape().get(0);
                String key = PeftFormat.PREFIX + e.getKey();
                tensors.put(key + PeftFormat.POLY_A, skillsA);
                tensors.put(key + PeftFormat.POLY_B, AdapterTensors.skillsB(a));
                tensors.put(key + PeftFormat.POLY_LOGITS, logits);
            }
            if (taskNames.size() != tasks) {
                throw new IllegalArgumentException(taskNames.size() + " task names given for routers of " + tasks
                        + " tasks");
            }
            JsonObject config = common("POLY", model, baseModel, layers);
            config.addProperty("r", shape[2]);
            config.addProperty("poly_type", "poly");
            config.addProperty("n_tasks", tasks);
            config.addProperty("n_skills", shape[1]);
            config.addProperty("n_splits", shape[0]);
            config.addProperty("init_weights", true);
            write(out, tensors, config, taskNames);
        }
    }

    private static Map<String, AdaptedLinear> layers(LanguageModel model) {
        Map<String, AdaptedLinear> layers = AdapterInjector.adaptedLayers(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the model has no adapters to export");
        }
        return layers;
    }

    /** The fields both layouts share; target modules are leaf names when those select exactly the adapted ones. */
    private static JsonObject common(String type, LanguageModel model, Path baseModel, Map<String, AdaptedLinear> layers) {
        JsonObject o = new JsonObject();
        o.addProperty("peft_type", type);
        o.addProperty("task_type", PeftFormat.taskType(model));
        o.addProperty("base_model_name_or_path", baseModel.toAbsolutePath().normalize().toString());
        o.add("revision", JsonNull.INSTANCE);
        o.addProperty("inference_mode", true);
        o.add("modules_to_save", JsonNull.INSTANCE);
        Set<String> leaves = new TreeSet<>();
        layers.keySet().forEach(p -> leaves.add(p.substring(p.lastIndexOf('.') + 1)));
        boolean leavesExact = model.namedModules().entrySet().stream()
                .filter(e -> e.getValue() instanceof Linear && !e.getKey().isEmpty())
                .filter(e -> leaves.contains(e.getKey().substring(e.getKey().lastIndexOf('.') + 1)))
                .allMatch(e -> layers.containsKey(e.getKey()));
        JsonArray targets = new JsonArray();
        (leavesExact ? leaves : new TreeSet<>(layers.keySet())).forEach(targets::add);
        o.add("target_modules", targets);
        return o;
    }

    private static void write(Path out, Map<String, NDArray> tensors, JsonObject config, List<String> taskNames) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
        SafetensorsWriter.write(out.resolve(PeftFormat.WEIGHTS), tensors);
        if (taskNames != null) {
            PeftFormat.writeJson(out.resolve(PeftFormat.TASK_NAMES), taskNames);
        }
        PeftFormat.writeJson(out.resolve(PeftFormat.CONFIG), config);
    }

    private static String name(Adapter a) {
        return a.getClass().getSimpleName();
    }
}
