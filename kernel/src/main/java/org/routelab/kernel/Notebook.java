package org.routelab.kernel;

import java.util.UUID;
import org.routelab.notebook.MimeBundle;

/**
 * Helpers for notebook cells; the kernel imports them statically, so cells call {@code display(x)}.
 * Outside a running kernel they print text instead.
 */
public final class Notebook {

    private static volatile RouteLabKernel kernel;

    private Notebook() {
    }

    static void attach(RouteLabKernel k) {
        kernel = k;
    }

    /**
     * Shows {@code value} now, rendered as the last expression of a cell would be, and returns the id
     * of the output so that {@link #updateDisplay(String, Object)} can replace it later.
     */
    public static String display(Object value) {
        String id = "routelab-display-" + UUID.randomUUID();
        RouteLabKernel k = kernel;
        if (k == null) {
            System.out.println(value);
        } else {
            k.display(value, id);
        }
        return id;
    }

    /** Replaces, in place, the output that {@link #display(Object)} returned {@code id} for. */
    public static void updateDisplay(String id, Object value) {
        RouteLabKernel k = kernel;
        if (k == null) {
            System.out.println(value);
        } else {
            k.updateDisplay(value, id);
        }
    }

    /** An HTML fragment to display, e.g. {@code display(html("<b>done</b>"))}. */
    public static MimeBundle html(String html) {
        return MimeBundle.html(html, html.replaceAll("<[^>]*>", ""));
    }

    /** Sets how many rows and columns of a table are shown (defaults 50 and 30). */
    public static void setTableLimits(int rows, int columns) {
        RouteLabKernel k = kernel;
        if (k != null) {
            k.renderer().tables().limits(rows, columns);
        }
    }

    /**
     * Makes the next chart carry plotly.js again. The kernel sends it again by itself when the output
     * that carried it is replaced or its cell deleted; use this when that output was cleared by hand
     * and the notebook is to be saved with interactive charts.
     */
    public static void embedPlotlyAgain() {
        RouteLabKernel k = kernel;
        if (k != null) {
            k.renderer().plotly().embedAgain();
        }
    }
}
