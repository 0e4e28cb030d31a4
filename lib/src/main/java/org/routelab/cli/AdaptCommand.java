package org.routelab.cli;

import java.util.concurrent.Callable;
import org.routelab.experiment.ExperimentResult;
import org.routelab.experiment.ResultFiles;
import org.routelab.experiment.ResultTables;
import org.routelab.experiment.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code routelab adapt}: few-shot adaptation and evaluation on the held-out tasks of a run. */
@Command(name = "adapt", mixinStandardHelpOptions = true,
        description = "Few-shot adaptation on every held-out task and seed, starting from the adapters that train"
                + " left in OUTPUT/multitask (or fresh ones when multitask.steps is 0); writes OUTPUT/results.json"
                + " and OUTPUT/results.csv.")
final class AdaptCommand implements Callable<Integer> {
    @Mixin
    private RunOptions options;

    @Override
    public Integer call() {
        RunConfig run = options.read();
        RunConfig.keepCopy(run);
        ExperimentResult result = run.experiment().adapt(run.output());
        System.out.println(ResultTables.perTask(result).print());
        System.out.printf("mean accuracy %.4f; results in %s%n", result.meanAccuracy(),
                run.output().resolve(ResultFiles.JSON));
        return 0;
    }
}
