package org.routelab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.routelab.sweep.SweepConfig;
import org.routelab.sweep.SweepStore;
import org.routelab.sweep.Tuning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code routelab tune}: choose settings per method on validation tasks, report them on test tasks. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Choose settings honestly: run a sweep config's grid on the validation tasks only, take each"
                + " method's best point by validation accuracy, then run the chosen experiments on the test tasks."
                + " Prints a row per method (chosen values, validation and test accuracy) and writes OUTPUT/tuning.csv.")
final class TuneCommand implements Callable<Integer> {
    @Mixin
    private SweepOptions options;

    @Override
    public Integer call() {
        SweepConfig read = options.read();
        Tuning.Result r = Tuning.run(options.configure(read.sweep()));
        System.out.println(r.validation().summary().printAll());
        System.out.println(r.table().printAll());
        Path file = new SweepStore(read.output()).writeTable(r.table(), "tuning.csv");
        System.out.println("tuning: " + file);
        return 0;
    }
}
