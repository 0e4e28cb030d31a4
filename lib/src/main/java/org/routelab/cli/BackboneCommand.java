package org.routelab.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.routelab.backbone.ModelCache;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.notebook.Progress;
import org.routelab.notebook.ProgressPhase;
import picocli.CommandLine.Command;

/**
 * {@code routelab backbone}: makes sure the built-in backbone is in the cache, pretraining it (once)
 * with progress lines when it is not, and prints its folder. The notebooks command runs it first, so
 * that no notebook pays for the pretraining silently.
 */
@Command(name = "backbone", mixinStandardHelpOptions = true,
        description = "Pretrain the built-in backbone unless it is cached (once; ~/.cache/routelab or $ROUTELAB_CACHE)"
                + " and print its folder.")
final class BackboneCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        BuiltinBackbone.Recipe recipe = BuiltinBackbone.Recipe.DEFAULT;
        ProgressPhase[] phase = {null};
        try {
            // The phase opens at the first pretraining step, so a cached backbone prints only its folder.
            Path folder = BuiltinBackbone.folder(recipe, ModelCache.defaultCache(), r -> {
                if (phase[0] == null) {
                    phase[0] = Progress.start("built-in backbone: pretraining", recipe.steps());
                }
                phase[0].update(r.step(), Map.of("loss", r.loss()));
            });
            System.out.println(folder);
        } finally {
            if (phase[0] != null) {
                phase[0].close();
            }
        }
        return 0;
    }
}
