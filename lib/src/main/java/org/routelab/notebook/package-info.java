/**
 * What the library needs from notebooks, without depending on any kernel.
 *
 * <p><b>Progress.</b> Long work (training, evaluation) opens a {@link org.routelab.notebook.ProgressPhase}
 * per phase with {@link org.routelab.notebook.Progress#start}, reports steps and metrics on it, and calls
 * {@link org.routelab.notebook.Progress#checkInterrupted()} between steps, so that the notebook's stop
 * button ends the work at a step boundary with a {@link org.routelab.notebook.RunInterruptedException}.
 * The Jupyter kernel installs a {@link org.routelab.notebook.ProgressListener} that draws live bars;
 * elsewhere {@link org.routelab.notebook.TextProgressListener} prints lines.
 *
 * <p><b>Display.</b> Results choose how a notebook shows them by implementing
 * {@link org.routelab.notebook.NotebookRenderable} (a list of parts: Tablesaw tables, charts,
 * tablesaw-jsplot figures, images, {@link org.routelab.notebook.MimeBundle}s, text).
 *
 * <p><b>Charts.</b> {@link org.routelab.notebook.Charts} returns {@link org.routelab.notebook.Chart}s,
 * each an interactive plotly.js figure and a static SVG picture of the same data (drawn here, by
 * {@code Svg} and one class per kind of chart), so that a chart shows even where a notebook's
 * scripts do not run.
 */
package org.routelab.notebook;
