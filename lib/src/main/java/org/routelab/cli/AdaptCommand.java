package org.routelab.cli;

import java.util.concurrent.Callable;
import org.routelab.experiment.ExperimentResult;
import org.routelab.experiment.ResultFiles;
import org.routelab.experiment.ResultTables;
import org.routelab.experiment.RunConfig;
import org.routelab.experiment.RunFolder;
import org.routelab.util.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code routelab adapt}: few-shot adaptation and evaluation on the held-out tasks of a run. */
@Command(name = "adapt", mixinStandardHelpOptions = true,
        description = "Few-shot adaptation on every held-out task and seed, starting from the adapters that train"
                + " left in OUTPUT/multitask (or fresh ones when multitask.steps is 0); writes OUTPUT/results.json"
                + " and OUTPUT/results.csv.")
final class AdaptCommand implements Callable<Integer> {
    @Mixin
    private RunOptions options;

    @Option(names = "--restart", description = "Adapt again with a changed adaptation config: move the old"
            + " results into OUTPUT/superseded/<time> (nothing is deleted).")
    private boolean restart;

    @Override
    public Integer call() {
        SignalStop.install();
        RunConfig run = options.read();
        try (RunFolder folder = RunOptions.open(run, RunFolder.Command.ADAPT, restart)) {
            RunConfig.keepCopy(run);
            ExperimentResult result = run.experiment().adapt(folder);
            System.out.println(ResultTables.perTask(result).print());
            System.out.printf("mean accuracy %.4f; results in %s%n", result.meanAccuracy(),
                    run.output().resolve(ResultFiles.JSON));
        } catch (ConfigException e) {
            throw RunOptions.named(e, run);
        }
        return 0;
    }
}
