package org.routelab.kernel;

import java.util.Collection;

/**
 * Decides which chart output carries plotly.js. One output per kernel session carries it and every
 * other chart on the page uses it; when that output goes away, the next chart carries it again, so
 * a saved notebook always has it. An output goes away when its cell runs again (its outputs are
 * replaced), when the front end reports its cell deleted, or when its display is updated. Front ends
 * name cells through the {@code cellId} and {@code deletedCells} metadata of {@code execute_request}
 * (JupyterLab, Notebook 7); without them the first chart of the session carries it, as before.
 */
final class PlotlyCarrier {

    private boolean sent;
    private String carrierCell;
    private String carrierDisplay;
    private String currentCell;

    /**
     * A cell starts running.
     *
     * @param cellId the cell's id, or null when the front end does not say
     * @param deletedCells ids of cells deleted since the last request
     */
    synchronized void cellStarts(String cellId, Collection<String> deletedCells) {
        currentCell = cellId;
        if (sent && carrierCell != null && (carrierCell.equals(cellId) || deletedCells.contains(carrierCell))) {
            sent = false;
        }
    }

    /**
     * Whether the chart about to be shown must carry plotly.js; if so, it becomes the carrier.
     *
     * @param displayId the display id of the output (an update replaces the output with that id), or null
     */
    synchronized boolean carries(String displayId) {
        if (sent && displayId != null && displayId.equals(carrierDisplay)) {
            sent = false;
        }
        if (sent) {
            return false;
        }
        sent = true;
        carrierCell = currentCell;
        carrierDisplay = displayId;
        return true;
    }

    /** Forgets the carrier, so the next chart carries plotly.js again. */
    synchronized void embedAgain() {
        sent = false;
    }
}
