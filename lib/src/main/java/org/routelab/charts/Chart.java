package org.routelab.charts;

import tech.tablesaw.plotly.components.Figure;

/**
 * A chart from {@link Charts}, in two renderings of the same data: an interactive plotly.js figure
 * and a static SVG picture. A notebook shows the interactive one where scripts run and the picture
 * where they do not (untrusted notebooks, GitHub's preview, exports without scripts).
 */
public sealed interface Chart permits XyChart, HeatmapChart, PathChart {

    /** Width of the charts, in pixels. */
    int WIDTH = 760;
    /** Default height of the charts, in pixels. */
    int HEIGHT = 420;

    /** Returns the title. */
    String title();

    /** Returns the interactive chart as a tablesaw-jsplot figure (a fresh one on each call). */
    Figure figure();

    /** Returns the static picture: a standalone SVG document of the chart's size. */
    String svg();
}
