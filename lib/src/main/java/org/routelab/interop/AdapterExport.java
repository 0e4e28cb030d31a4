package org.routelab.interop;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.Lora;
import org.routelab.backbone.LanguageModel;

/**
 * Chooses how a model's adapters leave RouteLab in a requested format: LoRA as PEFT's LORA, Poly and
 * MHR as PEFT's POLY (or, given a mixture, one task's LoRA or the -mu average as a plain LoRA), other
 * methods in {@link RouteLabExport}'s layout, and merged folders for anything that is (or is mixed
 * into) a fixed weight update.
 */
public final class AdapterExport {
    private AdapterExport() {}

    /**
     * What was written.
     *
     * @param layout the layout, e.g. {@code PEFT LORA}
     * @param note why this layout, when it is not the one asked for (else empty)
     */
    public record Outcome(String layout, String note) {
        @Override
        public String toString() {
            return note.isEmpty() ? layout : layout + " (" + note + ")";
        }
    }

    /**
     * Writes a model's adapters.
     *
     * @param model the backbone with injected, trained adapters (changed in place when mixing or merging)
     * @param method the method's description, e.g. {@code MethodConfig.describe()}
     * @param methodName the method's name, for messages (e.g. {@code tlora})
     * @param baseModel the backbone folder
     * @param taskNames the training tasks in router order
     * @param format the format
     * @param mixture for Poly and MHR: a training task's name or {@link Mixtures#AVERAGE} to export that
     *     mixture as a plain LoRA; null to export the routed adapters themselves
     * @param out the folder to write
     * @return what was written
     * @throws IllegalArgumentException if the adapters cannot be written in the format, saying why
     */
    public static Outcome write(LanguageModel model, String method, String methodName, Path baseModel,
            List<String> taskNames, ExportFormat format, String mixture, Path out) {
        if (mixture != null) {
            Mixtures.replaceByLora(model, mixture, taskNames);
        }
        Collection<Adapter> adapters = AdapterInjector.adaptedLayers(model).values().stream()
                .map(l -> (Adapter) l.adapter()).toList();
        boolean allLora = adapters.stream().allMatch(a -> a instanceof Lora);
        boolean allSkilled = adapters.stream().allMatch(AdapterTensors::isSkilled);
        String as = mixture == null ? "" : Mixtures.AVERAGE.equals(mixture) ? "the -mu average as a LoRA"
                : "task " + mixture + "'s mixture as a LoRA";
        switch (format) {
            case PEFT -> {
                if (allLora) {
                    PeftExport.lora(model, baseModel, out);
                    return new Outcome("PEFT LORA", as);
                }
                if (allSkilled) {
                    PeftExport.poly(model, baseModel, taskNames, out);
                    return new Outcome("PEFT POLY", "");
                }
                RouteLabExport.write(model, method, baseModel, taskNames, out);
                return new Outcome("RouteLab adapter layout", "PEFT has no format for " + methodName
                        + "; see " + RouteLabExport.DESCRIPTOR);
            }
            case MERGED -> {
                if (allSkilled) {
                    throw new IllegalArgumentException(methodName + " mixes its skills per task: choose the mixture to"
                            + " merge (a training task's name, or " + Mixtures.AVERAGE + " for the -mu average)");
                }
                MergedExport.write(model, baseModel, out);
                return new Outcome("merged Hugging Face model", as);
            }
            default -> {
                RouteLabExport.write(model, method, baseModel, taskNames, out);
                return new Outcome("RouteLab adapter layout", as);
            }
        }
    }
}
