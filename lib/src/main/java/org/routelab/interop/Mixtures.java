package org.routelab.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.adapter.AdaptedLinear;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Module;
import org.routelab.nn.RandomStream;
import org.routelab.routing.RoutedAdapter;

/**
 * Turns Poly and MHR adapters into the plain LoRA one task sees: the skills mixed with the task's
 * evaluation weights (its router row, {@code sigmoid} normalised per head), {@code A_tau = sum_s w_s A_s}
 * and {@code B_tau = sum_s w_s B_s} with heads concatenated, at Poly's scale {@code 1/r} (so {@code
 * lora_alpha = 1}); or the uniform average of the skills, the -mu adapter. Either is exactly what the
 * routed adapter computes for that task, so the LoRA can be exported or merged like any other.
 */
public final class Mixtures {
    /** The selection that averages the skills uniformly (-mu) instead of using a task's weights. */
    public static final String AVERAGE = "mu";

    private Mixtures() {}

    /**
     * Replaces every Poly or MHR adapter of a model by its LoRA for one task or the average.
     *
     * @param model the model with injected adapters (changed in place)
     * @param selection a training task's name from {@code taskNames}, or {@link #AVERAGE}
     * @param taskNames the training tasks in router order
     * @return the number of adapters replaced
     * @throws IllegalArgumentException if the selection names no task, or the model has no Poly or MHR adapter
     */
    public static int replaceByLora(Module model, String selection, List<String> taskNames) {
        int task = AVERAGE.equals(selection) ? -1 : taskNames.indexOf(selection);
        if (task < 0 && !AVERAGE.equals(selection)) {
            throw new IllegalArgumentException("mixture '" + selection + "' is neither '" + AVERAGE
                    + "' nor a training task; training tasks: " + taskNames);
        }
        Map<String, Module> modules = model.namedModules();
        Map<String, AdaptedLinear> skilled = new LinkedHashMap<>();
        AdapterInjector.adaptedLayers(model).forEach((path, l) -> {
            if (AdapterTensors.isSkilled(l.adapter())) {
                skilled.put(path, l);
            }
        });
        if (skilled.isEmpty()) {
            throw new IllegalArgumentException("a mixture needs Poly or MHR adapters; the model has none");
        }
        skilled.forEach((path, l) -> {
            RoutedAdapter a = (RoutedAdapter) l.adapter();
            Lora lora = task < 0 ? (Lora) a.averaged() : mixture(a, l.inFeatures(), l.outFeatures(), task);
            int dot = path.lastIndexOf('.');
            modules.get(dot < 0 ? "" : path.substring(0, dot)).replaceChild(path.substring(dot + 1),
                    new AdaptedLinear(l, lora));
        });
        model.setTrainable(false);
        return skilled.size();
    }

    /** The LoRA of one task: the skills mixed with the router's evaluation weights for it. */
    private static Lora mixture(RoutedAdapter a, int inFeatures, int outFeatures, int task) {
        NDArray skillsA = AdapterTensors.skillsA(a);
        long[] s = skillsA.getShape().getShape();
        int heads = (int) s[0];
        int skills = (int) s[1];
        int rank = (int) s[3];
        NDManager manager = skillsA.getManager();
        // Its initial values are replaced by the mixture below, so any stream serves.
        Lora lora = new Lora(manager, inFeatures, outFeatures,
                new LoraConfig(rank, 1f, 0f, LoraConfig.T5_MODULES, LoraConfig.T5_LAYERS), RandomStream.of(0),
                skillsA.getDataType());
        try (NDManager scope = manager.newSubManager()) {
            NDArray w = a.router().weights(ForwardContext.eval().withTaskIds(task), scope, 1)
                    .reshape(heads, 1, skills);
            NDArray mixedA = w.matMul(skillsA.reshape(heads, skills, -1)).reshape(inFeatures, rank);
            NDArray mixedB = w.matMul(AdapterTensors.skillsB(a).reshape(heads, skills, -1))
                    .reshape(heads, rank, outFeatures / heads).transpose(1, 0, 2).reshape(rank, outFeatures);
            lora.parameter(AdapterTensors.LORA_A).set(mixedA.duplicate());
            lora.parameter(AdapterTensors.LORA_B).set(mixedB.duplicate());
        }
        return lora;
    }
}
