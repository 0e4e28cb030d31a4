package org.routelab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.sweep.Cell;
import org.routelab.sweep.CellRunner;
import org.routelab.sweep.CellTask;
import org.routelab.sweep.Sweep;
import org.routelab.sweep.SweepStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code routelab bench sweep}: the same cells run three ways, each into a fresh store: a plain loop in
 * this JVM (no Spark, no cell processes), Spark {@code local[1]} and Spark {@code local[2]}. It prints cells
 * per hour of each and Spark's overhead per cell against the loop (starting Spark, a JVM per cell, the
 * store). The cells are the built-in default with LoRA, shortened, one per multi-task learning rate;
 * every cell runs one PyTorch thread, in the loop as in Spark.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Cells per hour of a sweep in a plain loop, Spark local[1] and local[2], and Spark's overhead per cell.")
final class SweepBenchmark implements Callable<Integer> {
    @Option(names = "--cells", defaultValue = "4", description = "Cells (default: ${DEFAULT-VALUE}).")
    private int cells;

    @Option(names = "--multitask-steps", defaultValue = "50", description = "Multi-task steps per cell (default: ${DEFAULT-VALUE}).")
    private int multitaskSteps;

    @Option(names = "--adapt-steps", defaultValue = "10", description = "Few-shot steps per cell (default: ${DEFAULT-VALUE}).")
    private int adaptSteps;

    @Override
    public Integer call() throws IOException {
        // A sweep's cells run one PyTorch thread each; the loop does the same, before the engine loads.
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "1"));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Object[] rates = new Object[cells];
        for (int i = 0; i < cells; i++) {
            rates[i] = 0.01 + 0.005 * i;
        }
        ExperimentConfig base = ExperimentConfig.DEFAULT.with("multitask.steps", multitaskSteps)
                .with("adaptation.steps", adaptSteps).with("seeds", List.of(0));
        Sweep sweep = Sweep.of(base).axis("multitask.lr", rates).name("bench");
        Path root = Files.createTempDirectory("routelab-bench-sweep-");
        // Untimed: pretrain or read the built-in backbone and load PyTorch once.
        List<Cell> grid = sweep.cells();
        CellRunner.run(CellTask.of(grid.get(0), 0, new SweepStore(root.resolve("warmup"))), null);

        long start = System.nanoTime();
        SweepStore loopStore = new SweepStore(root.resolve("loop"));
        for (Cell c : grid) {
            CellRunner.run(CellTask.of(c, 0, loopStore), null);
        }
        double loop = (System.nanoTime() - start) / 1e9;
        double one = timed(sweep.master("local[1]").store(root.resolve("local1")));
        double two = timed(sweep.master("local[2]").store(root.resolve("local2")));
        System.out.printf(Locale.ROOT, "%d cells (LoRA, built-in default, %d multi-task and %d few-shot steps, 1 seed)%n",
                cells, multitaskSteps, adaptSteps);
        System.out.println("run,wall_s,cells_per_hour,overhead_per_cell_s,overhead_pct");
        System.out.printf(Locale.ROOT, "plain loop,%.1f,%.1f,,%n", loop, cells * 3600 / loop);
        for (double[] r : new double[][] {{1, one}, {2, two}}) {
            System.out.printf(Locale.ROOT, "spark local[%d],%.1f,%.1f,%.2f,%.1f%n", (int) r[0], r[1], cells * 3600 / r[1],
                    (r[1] - loop) / cells, 100 * (r[1] / loop - 1));
        }
        System.out.println("(local[2]'s overhead also counts the speed-up of two cells at once; the machine's load"
                + " makes every figure noisy)");
        delete(root);
        return 0;
    }

    private static double timed(Sweep sweep) {
        long start = System.nanoTime();
        sweep.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static void delete(Path root) {
        try (var files = Files.walk(root)) {
            List<Path> all = new ArrayList<>(files.toList());
            java.util.Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
