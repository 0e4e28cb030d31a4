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
 * {@link org.routelab.notebook.NotebookRenderable} (a list of parts: Tablesaw tables, tablesaw-jsplot
 * figures, images, {@link org.routelab.notebook.MimeBundle}s, text). A value of a lower package can be
 * shown with parts a higher package draws through a {@link org.routelab.notebook.DisplayParts} provider
 * (experiment results get their loss curves from the charts package that way, without knowing charts).
 *
 * <p>The package depends on no other package of the library, so every package may report progress.
 */
package org.routelab.notebook;
