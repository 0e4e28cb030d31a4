package org.routelab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.routelab.sweep.SweepConfig;
import org.routelab.sweep.SweepResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code routelab sweep}: a grid of experiments on Spark, stored cell by cell in the sweep's folder. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run a sweep (a base experiment and axes over its values, see SweepConfig's Javadoc) on Spark:"
                + " embedded local[N] by default, or --master URL; under spark-submit, the cluster's. Each cell's"
                + " record lands in OUTPUT/cells as it finishes; running again runs only the missing cells. The"
                + " table is printed and written to OUTPUT/results.csv.")
final class SweepCommand implements Callable<Integer> {
    @Mixin
    private SweepOptions options;

    @Override
    public Integer call() {
        SweepConfig read = options.read();
        SweepResult result = options.configure(read.sweep()).run();
        System.out.println(result.table().printAll());
        if (result.seeded()) {
            System.out.println(result.summary().printAll());
        }
        System.out.println("results: " + read.output().resolve("results.csv") + " (" + result.failures().size()
                + " failed cells)");
        return result.failures().isEmpty() ? 0 : 1;
    }
}
