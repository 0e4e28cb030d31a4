package org.routelab.notebook;

import java.util.List;

/**
 * An object that decides how it is shown in a notebook, e.g. experiment results shown as a table
 * followed by a chart.
 *
 * <p>The kernel shows each part in order, rendered as it renders values on their own: Tablesaw
 * tables as HTML tables, charts (with their static picture) and tablesaw-jsplot figures as
 * interactive charts, {@code BufferedImage}s as PNG, {@link MimeBundle}s as given, anything else as
 * text. Outside a notebook, {@code toString()} is used instead, so keep it meaningful too.
 */
public interface NotebookRenderable {

    /** The parts to show, in order; never null. */
    List<Object> notebookParts();
}
