package org.routelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code routelab bench ...}: benchmarks that print figures (never timed unit tests). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print speed and memory figures.",
        subcommands = {BackboneBenchmark.class, StepBenchmark.class, RoutingBenchmark.class, SweepBenchmark.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
