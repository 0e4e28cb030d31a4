package org.routelab.kernel;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.routelab.charts.Chart;
import org.routelab.notebook.MimeBundle;
import org.routelab.notebook.NotebookRenderable;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Chooses how a value looks in the notebook: Tablesaw tables as HTML tables, {@link Chart}s as Plotly
 * charts with their static SVG picture (also as {@code image/svg+xml}), tablesaw-jsplot figures as
 * Plotly charts, images as PNG, {@link MimeBundle}s as given, {@link NotebookRenderable}s part by
 * part, anything else as text. Every bundle has a {@code text/plain} fallback.
 */
final class MimeRenderer {

    private final TableHtml tables = new TableHtml();
    private final PlotlyCarrier plotly = new PlotlyCarrier();

    /** Table limits, for {@link Notebook#setTableLimits}. */
    TableHtml tables() {
        return tables;
    }

    /** Which output carries plotly.js, for the kernel and {@link Notebook#embedPlotlyAgain()}. */
    PlotlyCarrier plotly() {
        return plotly;
    }

    /** The bundle of a cell's value (its {@code execute_result}). */
    DisplayData render(Object value) {
        return render(value, null);
    }

    /**
     * The bundle of a value shown with a display id.
     *
     * @param displayId the output's display id (an update replaces the output that has it), or null
     */
    DisplayData render(Object value, String displayId) {
        DisplayData data = new DisplayData();
        if (value instanceof NotebookRenderable r) {
            StringBuilder html = new StringBuilder();
            StringBuilder text = new StringBuilder();
            for (Object part : r.notebookParts()) {
                DisplayData d = render(part, displayId);
                html.append(htmlOf(d)).append('\n');
                text.append(d.getData(MIMEType.TEXT_PLAIN)).append('\n');
            }
            data.putHTML(html.toString());
            data.putText(text.toString().stripTrailing());
        } else if (value instanceof Table t) {
            data.putHTML(tables.render(t));
            data.putText(tables.renderText(t));
        } else if (value instanceof Chart c) {
            String svg = c.svg();
            data.putHTML(PlotlyHtml.render(c.figure(), svg, c.title(), plotly.carries(displayId)));
            data.putSVG(svg);
            data.putText("Chart: " + c.title());
        } else if (value instanceof Figure f) {
            data.putHTML(PlotlyHtml.render(f, null, null, plotly.carries(displayId)));
            data.putText("Plotly chart (shown interactively in Jupyter)");
        } else if (value instanceof RenderedImage image) {
            data.putData("image/png", png(image));
            data.putText("image " + image.getWidth() + "x" + image.getHeight());
        } else if (value instanceof MimeBundle bundle) {
            bundle.data().forEach(data::putData);
            if (!bundle.data().containsKey("text/plain")) {
                data.putText(String.valueOf(bundle.data().keySet()));
            }
        } else {
            data.putText(String.valueOf(value));
        }
        return data;
    }

    /** The bundle as an HTML fragment, to place several parts in one output. */
    private static String htmlOf(DisplayData d) {
        if (d.hasDataForType(MIMEType.TEXT_HTML)) {
            return d.getData(MIMEType.TEXT_HTML).toString();
        }
        if (d.hasDataForType(MIMEType.IMAGE_PNG)) {
            return "<img src=\"data:image/png;base64," + d.getData(MIMEType.IMAGE_PNG) + "\">";
        }
        return "<pre>" + TableHtml.escape(String.valueOf(d.getData(MIMEType.TEXT_PLAIN))) + "</pre>";
    }

    private static String png(RenderedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the image as PNG", e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
