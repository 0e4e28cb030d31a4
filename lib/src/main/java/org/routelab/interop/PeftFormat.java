package org.routelab.interop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.routelab.backbone.LanguageModel;
import org.routelab.backbone.t5.T5Model;
import org.routelab.util.AtomicFiles;

/**
 * PEFT's adapter folder, as {@code PeftModel.save_pretrained} writes it and {@code
 * PeftModel.from_pretrained} reads it: {@code adapter_config.json} and {@code adapter_model.safetensors}
 * whose keys are the module paths under {@code base_model.model.} with the adapter name removed:
 *
 * <ul>
 *   <li>LORA: {@code <module>.lora_A.weight [r, d_in]}, {@code <module>.lora_B.weight [d_out, r]},
 *       {@code delta W = (lora_alpha / r) B A} ({@code lora_alpha / sqrt(r)} with {@code use_rslora});
 *   <li>POLY: {@code <module>.poly_lora_A [n_splits, n_skills, d_in/n_splits, r]}, {@code
 *       <module>.poly_lora_B [n_splits, n_skills, r, d_out/n_splits]} and {@code
 *       <module>.poly_router.module_logits [n_tasks, n_splits*n_skills]}; {@code delta = x A_tau B_tau / r}.
 * </ul>
 *
 * RouteLab adds {@code task_names.json} beside a POLY adapter: the training tasks' names in router order.
 */
final class PeftFormat {
    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";
    static final String PICKLED_WEIGHTS = "adapter_model.bin";
    static final String TASK_NAMES = "task_names.json";
    static final String PREFIX = "base_model.model.";
    static final String LORA_A = ".lora_A.weight";
    static final String LORA_B = ".lora_B.weight";
    static final String POLY_A = ".poly_lora_A";
    static final String POLY_B = ".poly_lora_B";
    static final String POLY_LOGITS = ".poly_router.module_logits";
    static final Gson JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private PeftFormat() {}

    /** Returns PEFT's task type of a backbone: {@code SEQ_2_SEQ_LM} for T5, {@code CAUSAL_LM} for decoders. */
    static String taskType(LanguageModel model) {
        return model instanceof T5Model ? "SEQ_2_SEQ_LM" : "CAUSAL_LM";
    }

    /** Writes a JSON file atomically. */
    static void writeJson(Path file, Object json) {
        try {
            AtomicFiles.writeString(file, JSON.toJson(json instanceof JsonObject o ? o : JSON.toJsonTree(json)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Adds a number as an integer when it is one (PEFT types {@code lora_alpha} as int). */
    static void addNumber(JsonObject o, String key, double value) {
        if (value == Math.rint(value) && Math.abs(value) < Long.MAX_VALUE) {
            o.addProperty(key, (long) value);
        } else {
            o.addProperty(key, value);
        }
    }
}
