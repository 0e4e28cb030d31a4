package org.routelab.data;

import java.util.List;

/**
 * A task's examples split into k training shots and the rest (the evaluation set).
 *
 * @param task the task name
 * @param seed the sampling seed
 * @param shots the k sampled examples, in sampling order
 * @param rest the other examples, in their original order
 */
public record FewShotSplit(String task, long seed, List<Example> shots, List<Example> rest) {
    /** Copies the lists. */
    public FewShotSplit {
        shots = List.copyOf(shots);
        rest = List.copyOf(rest);
    }

    /** Returns the shots as a task (for encoders and trainers that take tasks). */
    public Task shotsTask() {
        return new Task(task, shots);
    }
}
