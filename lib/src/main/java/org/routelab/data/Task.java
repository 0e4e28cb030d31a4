package org.routelab.data;

import java.util.List;
import java.util.Objects;

/**
 * A named task and its examples. Integer task ids (for routers) are assigned by {@link TaskSuite}.
 *
 * @param name the task name (not blank)
 * @param examples the examples (at least one, all naming this task)
 */
public record Task(String name, List<Example> examples) {
    /**
     * Validates the task.
     *
     * @throws IllegalArgumentException if the name is blank, there are no examples, or an example
     *     names another task
     */
    public Task {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("task name is " + (name == null ? "missing" : "empty"));
        }
        examples = List.copyOf(Objects.requireNonNull(examples, "examples"));
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("task '" + name + "' has no examples");
        }
        for (int i = 0; i < examples.size(); i++) {
            if (!examples.get(i).task().equals(name)) {
                throw new IllegalArgumentException("example " + i + " of task '" + name + "' names task '"
                        + examples.get(i).task() + "'");
            }
        }
    }

    /** Returns the number of examples. */
    public int size() {
        return examples.size();
    }
}
