package org.routelab.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.routelab.experiment.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code routelab train}: multi-task training of a run, resumable from its last checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Multi-task training: checkpoints, metrics.jsonl and the trained adapters in OUTPUT/multitask."
                + " A stopped run resumes from its last checkpoint.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    private RunOptions options;

    @Override
    public Integer call() {
        RunConfig run = options.read();
        RunConfig.keepCopy(run);
        List<Float> losses = run.experiment().train(run.output());
        System.out.println(losses.isEmpty() ? "no multi-task training configured (multitask.steps = 0)"
                : "multi-task training: " + losses.size() + " steps, final loss " + losses.get(losses.size() - 1)
                        + "; adapters, checkpoints and metrics.jsonl in " + run.output().resolve("multitask"));
        return 0;
    }
}
