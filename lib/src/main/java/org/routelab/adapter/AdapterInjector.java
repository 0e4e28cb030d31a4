package org.routelab.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;

/**
 * Replaces projections of a model by {@link AdaptedLinear}s, selected by two regular expressions over
 * the Hugging Face module names, as the reference implementations do: {@code modules} is searched in
 * the parent module's path (e.g. {@code SelfAttention|EncDecAttention|DenseReluDense}) and
 * {@code layers} must match the projection's own name in full (e.g. {@code q|k|v|o|wi_0|wi_1|wo}).
 */
public final class AdapterInjector {
    private AdapterInjector() {}

    /**
     * Injects adapters, freezes every parameter of the model and makes the adapters' trainable.
     *
     * @param model the model to modify in place
     * @param modules regex searched in the path of the module that holds the projection
     * @param layers regex matched against the projection's own name
     * @param factory builds the adapter of one projection from its full path and the projection
     * @return the full paths of the adapted projections, in model order
     * @throws IllegalArgumentException if nothing matches, naming both patterns
     */
    public static List<String> inject(
            Module model, String modules, String layers, BiFunction<String, Linear, Adapter> factory) {
        Pattern modulePattern = Pattern.compile(modules);
        Pattern layerPattern = Pattern.compile(layers);
        List<String> injected = new ArrayList<>();
        List<Adapter> adapters = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String parentPath = e.getKey();
            Module parent = e.getValue();
            if (!modulePattern.matcher(parentPath).find()) {
                continue;
            }
            for (Map.Entry<String, Module> c : new ArrayList<>(parent.children().entrySet())) {
                Module child = c.getValue();
                if (!(child instanceof Linear) || child instanceof AdaptedLinear
                        || !layerPattern.matcher(c.getKey()).matches()) {
                    continue;
                }
                String path = parentPath.isEmpty() ? c.getKey() : parentPath + "." + c.getKey();
                Adapter adapter = factory.apply(path, (Linear) child);
                parent.replaceChild(c.getKey(), new AdaptedLinear((Linear) child, adapter));
                injected.add(path);
                adapters.add(adapter);
            }
        }
        if (injected.isEmpty()) {
            throw new IllegalArgumentException(
                    "no projection matches modules /" + modules + "/ and layers /" + layers + "/");
        }
        model.setTrainable(false);
        adapters.forEach(a -> a.setTrainable(true));
        return injected;
    }

    /**
     * Takes every adapter out of a model, putting back the projections as they were before injection
     * (their weights untouched), so that the same backbone can receive fresh adapters.
     *
     * @param model the model to modify in place
     * @throws IllegalStateException if an adapter is merged into its weight
     */
    public static void remove(Module model) {
        Map<String, Module> modules = model.namedModules();
        adaptedLayers(model).forEach((path, layer) -> {
            if (layer.isMerged()) {
                throw new IllegalStateException("unmerge " + path + " before removing its adapter");
            }
            int dot = path.lastIndexOf('.');
            modules.get(dot < 0 ? "" : path.substring(0, dot)).replaceChild(path.substring(dot + 1), layer.original());
        });
    }

    /**
     * Returns every adapted projection of a model by path.
     *
     * @param model the model
     * @return the adapted projections in model order
     */
    public static Map<String, AdaptedLinear> adaptedLayers(Module model) {
        Map<String, AdaptedLinear> out = new java.util.LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof AdaptedLinear) {
                out.put(path, (AdaptedLinear) m);
            }
        });
        return out;
    }
}
