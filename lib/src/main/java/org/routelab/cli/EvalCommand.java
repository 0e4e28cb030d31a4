package org.routelab.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.routelab.experiment.RunConfig;
import org.routelab.experiment.RunFolder;
import org.routelab.util.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code routelab eval}: accuracy of a run's multi-task-trained model on its own training tasks. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Rank-classification accuracy of the multi-task-trained model (OUTPUT/multitask) on each"
                + " training task, routed by its task id, as CSV: how well multi-task training fit.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    private RunOptions options;

    @Option(names = "--examples", defaultValue = "100", description = "Examples scored per task (default 100).")
    private int examples;

    @Override
    public Integer call() {
        if (examples <= 0) {
            throw new ConfigException("--examples", "must be positive, got " + examples);
        }
        RunConfig run = options.read();
        Map<String, Double> accuracy;
        try (RunFolder folder = RunOptions.open(run, RunFolder.Command.EVAL, false)) {
            accuracy = run.experiment().evaluateTraining(folder.path(), examples);
        } catch (ConfigException e) {
            throw RunOptions.named(e, run);
        }
        System.out.println("task,accuracy");
        accuracy.forEach((task, acc) -> System.out.printf("%s,%.4f%n", task, acc));
        System.out.printf("mean,%.4f%n", accuracy.values().stream().mapToDouble(d -> d).average().orElse(0));
        return 0;
    }
}
