package org.routelab.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.routelab.experiment.ExperimentResult;
import org.routelab.experiment.ResultTables;
import org.routelab.notebook.DisplayParts;

/** Shows an experiment result in a notebook: its per-task table, then the loss curves that exist. */
public final class ResultDisplay implements DisplayParts {
    /** Steps averaged per point of the multi-task loss curve. */
    private static final int LOSS_WINDOW = 10;

    @Override
    public Optional<List<Object>> parts(Object value) {
        if (!(value instanceof ExperimentResult r)) {
            return Optional.empty();
        }
        List<Object> parts = new ArrayList<>();
        parts.add(ResultTables.perTask(r));
        if (!r.multitaskLosses().isEmpty()) {
            parts.add(Charts.multitaskLosses(List.of(r), LOSS_WINDOW));
        }
        if (r.adaptation().stream().anyMatch(c -> !c.losses().isEmpty())) {
            parts.add(Charts.adaptationLosses(List.of(r)));
        }
        return Optional.of(parts);
    }
}
