package org.routelab.sweep;

import ai.djl.engine.Engine;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.routelab.notebook.Progress;
import org.routelab.notebook.ProgressPhase;
import org.routelab.notebook.RunInterruptedException;

/**
 * Runs cells on Apache Spark, one cell per task: embedded {@code local[N]}, a cluster's master URL, or
 * the context {@code spark-submit} made. Spark schedules the cells; on a GPU cluster configured with
 * {@code spark.task.resource.gpu.amount=1} each cell holds one GPU and runs on it. Executors write each
 * cell's record to the store themselves; the driver shows one progress display for the whole sweep.
 */
final class SparkCells {
    /** The context this JVM made, kept for the next sweep with the same master (starting one takes seconds). */
    private static JavaSparkContext context;
    private static String contextMaster;

    private SparkCells() {}

    /** The default parallelism of embedded Spark: the GPUs when there are any, else the cores. */
    static int defaultParallelism() {
        int gpus = Engine.getInstance().getGpuCount();
        return gpus > 0 ? gpus : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Returns the Spark context for a master URL, reusing this JVM's when the master is the same; with a
     * null master, the context that {@code spark-submit} configured (its {@code spark.master}).
     */
    static synchronized JavaSparkContext context(String master) {
        if (master == null) {
            return JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(new SparkConf()
                    .setAppName("routelab sweep")));
        }
        if (context != null && master.equals(contextMaster) && !context.sc().isStopped()) {
            return context;
        }
        if (context != null) {
            context.stop();
        }
        SparkConf conf = new SparkConf().setAppName("routelab sweep").setMaster(master);
        if (master.startsWith("local")) {
            // Embedded: no web UI, no network beyond the loopback.
            conf.set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
        }
        context = new JavaSparkContext(conf);
        contextMaster = master;
        return context;
    }

    /**
     * Runs cells and waits for them, showing done, running and failed cells with an ETA.
     *
     * @param tasks the cells to run
     * @param master the master URL, or null for {@code spark-submit}'s
     * @param label the progress display's name
     * @param store the store the executors write to
     * @throws RunInterruptedException if the thread is interrupted (the Spark job is cancelled)
     */
    static void run(List<CellTask> tasks, String master, String label, SweepStore store) {
        JavaSparkContext sc = context(master);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                running.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                running.decrementAndGet();
                if (end.taskInfo().successful()) {
                    done.incrementAndGet();
                    int index = end.taskInfo().index();
                    if (index < tasks.size() && store.read(tasks.get(index).key()).map(r -> !r.ok()).orElse(false)) {
                        failed.incrementAndGet();
                    }
                }
            }
        };
        sc.sc().addSparkListener(listener);
        String group = "routelab-sweep-" + System.nanoTime();
        sc.setJobGroup(group, label, true);
        try (ProgressPhase phase = Progress.start(label, tasks.size())) {
            JavaFutureAction<Void> job = sc.parallelize(tasks, tasks.size()).foreachAsync(SparkCells::runTask);
            List<Integer> shown = List.of();
            while (true) {
                if (Thread.interrupted()) {
                    sc.cancelJobGroup(group);
                    throw new RunInterruptedException("Interrupted by the user: the sweep's running cells were"
                            + " cancelled; every finished cell is in " + store.folder());
                }
                List<Integer> now = List.of(done.get(), Math.max(0, running.get()), failed.get());
                if (!now.equals(shown)) { // a line per change, not per poll, where progress is text
                    phase.update(now.get(0), counts(now.get(1), now.get(2)));
                    shown = now;
                }
                try {
                    job.get(500, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    // still running: show progress again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("the sweep's Spark job failed: " + e.getCause().getMessage()
                            + " (finished cells are kept in " + store.folder() + ")", e.getCause());
                }
            }
            phase.update(done.get(), counts(0, failed.get()));
        } finally {
            sc.sc().removeSparkListener(listener);
            sc.clearJobGroup();
            CellProcess.closeIdle(); // in local mode the executor's cell JVMs are this JVM's
        }
    }

    private static Map<String, Integer> counts(int running, int failed) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        out.put("running", running);
        out.put("failed", failed);
        return out;
    }

    /** Runs one cell on an executor, on the GPU the cluster gave the task if it gave one. */
    private static void runTask(CellTask task) {
        TaskContext context = TaskContext.get();
        ResourceInformation gpu = context == null ? null : context.resourcesJMap().get("gpu");
        if (gpu != null && gpu.addresses().length > 0) {
            CellProcess.run(task, "gpu:" + gpu.addresses()[0]);
        } else {
            LocalGpus.run(task);
        }
    }
}
