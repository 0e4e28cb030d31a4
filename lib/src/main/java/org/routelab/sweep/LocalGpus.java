package org.routelab.sweep;

import ai.djl.engine.Engine;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.routelab.notebook.RunInterruptedException;

/**
 * The GPUs of this machine for cells that run in embedded Spark ({@code local[N]} runs its tasks as
 * threads of one JVM, without Spark's resource scheduling): a cell whose device is {@code auto} takes a
 * free GPU for its run and gives it back, so that N cells on N GPUs never share one.
 */
final class LocalGpus {
    private static BlockingQueue<Integer> free;

    private LocalGpus() {}

    private static synchronized BlockingQueue<Integer> free() {
        if (free == null) {
            int gpus = Engine.getInstance().getGpuCount();
            free = new ArrayBlockingQueue<>(Math.max(1, gpus));
            for (int i = 0; i < gpus; i++) {
                free.add(i);
            }
        }
        return free;
    }

    /** Runs a cell in its own JVM, on a GPU of its own when the machine has GPUs and the cell's device is {@code auto}. */
    static void run(CellTask task) {
        if (!task.config().device().equals("auto") || Engine.getInstance().getGpuCount() == 0) {
            CellProcess.run(task, null);
            return;
        }
        int gpu;
        try {
            gpu = free().take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunInterruptedException("Interrupted while waiting for a GPU.");
        }
        try {
            CellProcess.run(task, "gpu:" + gpu);
        } finally {
            free().add(gpu);
        }
    }
}
