package org.routelab.adapter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
        List<String> injected = new ArrayList<>();
        List<Adapter> adapters = new ArrayList<>();
        Map<String, Module> all = model.namedModules();
        targets(model, modules, layers).forEach((path, linear) -> {
            int dot = path.lastIndexOf('.');
            Adapter adapter = factory.apply(path, linear);
            all.get(dot < 0 ? "" : path.substring(0, dot)).replaceChild(path.substring(dot + 1),
                    new AdaptedLinear(linear, adapter));
            injected.add(path);
            adapters.add(adapter);
        });
        if (injected.isEmpty()) {
            throw new IllegalArgumentException(
                    "no projection matches modules /" + modules + "/ and layers /" + layers + "/");
        }
        model.setTrainable(false);
        adapters.forEach(a -> a.setTrainable(true));
        return injected;
    }

    /**
     * Returns the projections that {@link #inject} would adapt, without changing the model.
     *
     * @param model the model
     * @param modules regex searched in the path of the module that holds the projection
     * @param layers regex matched against the projection's own name
     * @return the projections by full path, in model order (empty when nothing matches)
     */
    public static Map<String, Linear> targets(Module model, String modules, String layers) {
        Pattern modulePattern = Pattern.compile(modules);
        Pattern layerPattern = Pattern.compile(layers);
        Map<String, Linear> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String parentPath = e.getKey();
            if (!modulePattern.matcher(parentPath).find()) {
                continue;
            }
            for (Map.Entry<String, Module> c : e.getValue().children().entrySet()) {
                Module child = c.getValue();
                if (child instanceof Linear linear && !(child instanceof AdaptedLinear)
                        && layerPattern.matcher(c.getKey()).matches()) {
                    out.put(parentPath.isEmpty() ? c.getKey() : parentPath + "." + c.getKey(), linear);
                }
            }
        }
        return out;
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
