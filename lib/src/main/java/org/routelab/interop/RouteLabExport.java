package org.routelab.interop;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.AdapterInjector;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.checkpoint.SafetensorsWriter;
import org.routelab.nn.Parameter;

/**
 * RouteLab's own adapter layout, for methods PEFT has no format for (TLoRA, TensorPoly, MoE-LoRA,
 * OrchMoE, T-REX) and for any method as trained:
 *
 * <ul>
 *   <li>{@code adapter_model.safetensors}: every adapter parameter under its path in the model, e.g.
 *       {@code encoder.block.0.layer.0.SelfAttention.q.adapter.lora_a} or {@code
 *       model.layers.0.mlp.down_proj.adapter.router.module_logits}; a router shared by several projections
 *       is stored once, under the first projection that holds it;
 *   <li>{@code routelab_adapter.json}: {@code format} ({@code "routelab-adapter"}), {@code version} (1),
 *       {@code method} (its name and options as RouteLab describes them), {@code base_model_name_or_path},
 *       {@code modules} (the adapted projections) and {@code task_names} (training tasks in router order).
 * </ul>
 *
 * Injecting the same method into the same backbone and setting these parameters by name restores the
 * adapters (as a run folder's {@code multitask/adapters.safetensors} does).
 */
public final class RouteLabExport {
    /** The descriptor's file name. */
    public static final String DESCRIPTOR = "routelab_adapter.json";

    private RouteLabExport() {}

    /**
     * Writes a model's adapter parameters and their descriptor.
     *
     * @param model the backbone with injected adapters
     * @param method the method's description, e.g. {@code MethodConfig.describe()}
     * @param baseModel the backbone folder
     * @param taskNames the training tasks in router order (empty for task-free methods)
     * @param out the folder (created if absent)
     */
    public static void write(LanguageModel model, String method, Path baseModel, List<String> taskNames, Path out) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getKey().contains("." + AdapterTensors.ADAPTER + ".")) {
                tensors.putIfAbsent(e.getKey(), e.getValue().array());
            }
        }
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("the model has no adapters to export");
        }
        JsonObject d = new JsonObject();
        d.addProperty("format", "routelab-adapter");
        d.addProperty("version", 1);
        d.addProperty("method", method);
        d.addProperty("base_model_name_or_path", baseModel.toAbsolutePath().normalize().toString());
        JsonArray modules = new JsonArray();
        AdapterInjector.adaptedLayers(model).keySet().forEach(modules::add);
        d.add("modules", modules);
        JsonArray tasks = new JsonArray();
        taskNames.forEach(tasks::add);
        d.add("task_names", tasks);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
        SafetensorsWriter.write(out.resolve(PeftFormat.WEIGHTS), tensors);
        PeftFormat.writeJson(out.resolve(DESCRIPTOR), d);
    }
}
