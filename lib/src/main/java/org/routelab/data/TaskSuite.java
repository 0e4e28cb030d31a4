package org.routelab.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Training tasks (for multi-task training, each with an integer task id: its index in
 * {@link #training()}) and held-out tasks (for few-shot adaptation and evaluation; no task id, since
 * a method adapting to one gives it its own fresh routing).
 */
public final class TaskSuite {
    private final List<Task> training;
    private final List<Task> heldout;
    private final Map<String, Integer> trainingIds = new HashMap<>();
    private final Map<String, Task> byName = new HashMap<>();

    /**
     * Creates a suite.
     *
     * @param training the training tasks, in task-id order (at least one)
     * @param heldout the held-out tasks (may be empty)
     * @throws IllegalArgumentException if there is no training task, a name repeats, or a held-out
     *     task is also a training task
     */
    public TaskSuite(List<Task> training, List<Task> heldout) {
        this.training = List.copyOf(training);
        this.heldout = List.copyOf(heldout);
        if (this.training.isEmpty()) {
            throw new IllegalArgumentException("a task suite needs at least one training task");
        }
        for (int i = 0; i < this.training.size(); i++) {
            Task t = this.training.get(i);
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException("training task '" + t.name() + "' appears twice");
            }
            trainingIds.put(t.name(), i);
        }
        for (Task t : this.heldout) {
            if (trainingIds.containsKey(t.name())) {
                throw new IllegalArgumentException("held-out task '" + t.name() + "' is also a training task");
            }
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException("held-out task '" + t.name() + "' appears twice");
            }
        }
    }

    /** Returns the training tasks in task-id order. */
    public List<Task> training() {
        return training;
    }

    /** Returns the held-out tasks. */
    public List<Task> heldout() {
        return heldout;
    }

    /** Returns the number of training tasks (the number of rows of a task-id router). */
    public int numTrainingTasks() {
        return training.size();
    }

    /** Returns the training task names in task-id order. */
    public List<String> trainingNames() {
        return names(training);
    }

    /** Returns the held-out task names. */
    public List<String> heldoutNames() {
        return names(heldout);
    }

    /**
     * Returns the task id of a training task.
     *
     * @param name the task name
     * @return its index in {@link #training()}
     * @throws IllegalArgumentException if it is not a training task
     */
    public int taskId(String name) {
        Integer id = trainingIds.get(name);
        if (id == null) {
            throw new IllegalArgumentException("'" + name + "' is not a training task"
                    + (byName.containsKey(name) ? " (it is held out)" : "") + "; training tasks: " + trainingNames());
        }
        return id;
    }

    /**
     * Returns the training task with an id.
     *
     * @param taskId the id
     * @return the task
     * @throws IllegalArgumentException if the id is out of range
     */
    public Task trainingTask(int taskId) {
        if (taskId < 0 || taskId >= training.size()) {
            throw new IllegalArgumentException("task id " + taskId + " is outside [0, " + training.size() + ")");
        }
        return training.get(taskId);
    }

    /**
     * Returns a task, training or held out, by name.
     *
     * @param name the task name
     * @return the task
     * @throws IllegalArgumentException if the suite has no such task
     */
    public Task task(String name) {
        Task t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no task '" + name + "'; training: " + trainingNames()
                    + ", held out: " + heldoutNames());
        }
        return t;
    }

    /**
     * Returns whether a task is a training task.
     *
     * @param name the task name
     * @return true for a training task, false for a held-out or unknown one
     */
    public boolean isTraining(String name) {
        return trainingIds.containsKey(name);
    }

    private static List<String> names(List<Task> tasks) {
        List<String> out = new ArrayList<>(tasks.size());
        for (Task t : tasks) {
            out.add(t.name());
        }
        return List.copyOf(out);
    }

    /** Suites are equal when their training tasks (in order) and held-out tasks (in order) are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TaskSuite other && training.equals(other.training) && heldout.equals(other.heldout);
    }

    @Override
    public int hashCode() {
        return 31 * training.hashCode() + heldout.hashCode();
    }

    @Override
    public String toString() {
        return "TaskSuite[training=" + trainingNames() + ", heldout=" + heldoutNames() + "]";
    }
}
