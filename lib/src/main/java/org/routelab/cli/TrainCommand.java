package org.routelab.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.routelab.experiment.RunConfig;
import org.routelab.experiment.RunFolder;
import org.routelab.util.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code routelab train}: multi-task training of a run, resumable from its last checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Multi-task training: checkpoints, metrics.jsonl and the trained adapters in OUTPUT/multitask."
                + " A stopped run resumes from its last checkpoint; Ctrl-C stops it at the next step with a"
                + " checkpoint. A run folder made with another config is refused.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    private RunOptions options;

    @Option(names = "--restart", description = "Start over: move the folder's old contents into"
            + " OUTPUT/superseded/<time> (nothing is deleted).")
    private boolean restart;

    @Override
    public Integer call() {
        SignalStop.install();
        RunConfig run = options.read();
        try (RunFolder folder = RunOptions.open(run, RunFolder.Command.TRAIN, restart)) {
            RunConfig.keepCopy(run);
            List<Float> losses = run.experiment().train(folder);
            System.out.println(losses.isEmpty() ? "no multi-task training configured (multitask.steps = 0)"
                    : "multi-task training: " + losses.size() + " steps, final loss " + losses.get(losses.size() - 1)
                            + "; adapters, checkpoints and metrics.jsonl in " + run.output().resolve("multitask"));
        } catch (ConfigException e) {
            throw RunOptions.named(e, run);
        }
        return 0;
    }
}
