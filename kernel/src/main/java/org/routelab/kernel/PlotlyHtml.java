package org.routelab.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import tech.tablesaw.plotly.components.Figure;

/**
 * Renders charts as HTML that shows in every front end: an interactive Plotly chart where scripts
 * run, and a static picture (the chart's SVG) where they do not, such as untrusted notebooks in
 * JupyterLab 4 and Notebook 7, whose sanitiser removes scripts, or GitHub's preview. Under the
 * picture a sentence says how to make it interactive; the chart's script replaces both.
 *
 * <p>plotly.js comes from the plotly.js-dist webjar on the kernel's class path, never from the
 * network. It travels gzipped and base64-encoded (about a third of its size) in the output that
 * {@link PlotlyCarrier} chooses, and is unpacked in the browser with {@code DecompressionStream}.
 * Charts wait for it, so they work in JupyterLab 4, Notebook 7, classic Notebook (RequireJS is hidden
 * while the bundle defines {@code window.Plotly}) and in HTML exported with nbconvert.
 */
final class PlotlyHtml {

    private static final String WEBJAR = "META-INF/maven/org.webjars.npm/plotly.js-dist/pom.properties";
    /** Under a static picture, where scripts do not run. */
    static final String TRUST_NOTE = "Static picture. To interact with the chart, trust the notebook"
            + " (command palette: Trust Notebook) or run the cell.";
    /** Where a chart has no static picture and scripts do not run. */
    static final String SCRIPT_NOTE = "This chart is drawn by a script. To see it, trust the notebook"
            + " (command palette: Trust Notebook) or run the cell.";
    /** Where scripts run but no output on the page carries plotly.js. */
    static final String MISSING_NOTE = "This page has no copy of plotly.js. For interactive charts, run"
            + " embedPlotlyAgain() and then this cell.";

    private static String bundleScript;

    private PlotlyHtml() {
    }

    /**
     * HTML for one chart.
     *
     * @param figure the interactive chart
     * @param svg the static picture, or null when there is none (the note then stands alone)
     * @param title the picture's alternative text (unused without a picture)
     * @param carryPlotly whether this output carries plotly.js
     * @return the HTML fragment
     */
    static String render(Figure figure, String svg, String title, boolean carryPlotly) {
        String div = "rl_" + UUID.randomUUID().toString().replace("-", "");
        StringBuilder html = new StringBuilder();
        html.append("<div class=\"routelab-chart\">\n<div id=\"").append(div).append("\" class=\"routelab-plot\">");
        if (svg != null) {
            html.append("<img src=\"data:image/svg+xml;base64,")
                    .append(Base64.getEncoder().encodeToString(svg.getBytes(StandardCharsets.UTF_8)))
                    .append("\" alt=\"").append(TableHtml.escape(title)).append("\">");
        }
        html.append("</div>\n<p id=\"").append(div).append("_note\" class=\"routelab-note\" style=\"color:#666;font-size:12px\">")
                .append(svg != null ? TRUST_NOTE : SCRIPT_NOTE).append("</p>\n</div>\n");
        if (carryPlotly) {
            html.append(bundleScript());
        }
        html.append("<script>\n(function () {\n")
            .append("  function draw(Plotly) {\n")
            .append("    var note = document.getElementById('").append(div).append("_note');\n")
            .append("    if (note) { note.remove(); }\n")
            .append("    document.getElementById('").append(div).append("').replaceChildren();\n")
            .append(figureScript(figure, div)).append("\n  }\n")
            .append("  var tries = 0;\n")
            .append("  (function wait() {\n")
            // JupyterLab may run the script before the output is attached: wait for the div too.
            .append("    var div = document.getElementById('").append(div).append("');\n")
            .append("    if (div && window.Plotly) { draw(window.Plotly); return; }\n")
            .append("    if (div && window.routelabPlotly) { window.routelabPlotly.then(draw); return; }\n")
            .append("    if (++tries < 300) { setTimeout(wait, 100); return; }\n")
            .append("    var note = document.getElementById('").append(div).append("_note');\n")
            .append("    if (note) { note.textContent = '").append(MISSING_NOTE).append("'; }\n")
            .append("  })();\n})();\n</script>\n");
        return html.toString();
    }

    /** tablesaw's figure script without its script tags, so its variables stay local to draw(). */
    private static String figureScript(Figure figure, String div) {
        String js = figure.asJavascript(div).strip();
        if (js.startsWith("<script>")) {
            js = js.substring("<script>".length());
        }
        if (js.endsWith("</script>")) {
            js = js.substring(0, js.length() - "</script>".length());
        }
        return js;
    }

    /** The script that unpacks plotly.js; built once, on first use. */
    private static synchronized String bundleScript() {
        if (bundleScript == null) {
            bundleScript = unpackingScript();
        }
        return bundleScript;
    }

    private static String unpackingScript() {
        return "<script>\n(function () {\n"
                + "  if (window.Plotly || window.routelabPlotly) { return; }\n"
                + "  var packed = '" + packedBundle() + "';\n"
                + "  var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });\n"
                + "  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));\n"
                + "  window.routelabPlotly = new Response(stream).text().then(function (source) {\n"
                + "    var amd = window.define;\n"
                + "    window.define = undefined; // with RequireJS present the bundle would not set window.Plotly\n"
                + "    try {\n"
                + "      var script = document.createElement('script');\n"
                + "      script.textContent = source;\n"
                + "      document.head.appendChild(script);\n"
                + "    } finally {\n"
                + "      window.define = amd;\n"
                + "    }\n"
                + "    return window.Plotly;\n"
                + "  });\n"
                + "})();\n</script>\n";
    }

    private static String packedBundle() {
        ClassLoader cl = PlotlyHtml.class.getClassLoader();
        try (InputStream props = cl.getResourceAsStream(WEBJAR)) {
            if (props == null) {
                throw new IllegalStateException("plotly.js is missing from the kernel's class path (" + WEBJAR
                        + "); rebuild the kernel with ./routelab build");
            }
            Properties p = new Properties();
            p.load(props);
            String path = "META-INF/resources/webjars/plotly.js-dist/" + p.getProperty("version") + "/plotly.js";
            try (InputStream js = cl.getResourceAsStream(path)) {
                if (js == null) {
                    throw new IllegalStateException("plotly.js is missing from the kernel's class path (" + path + ")");
                }
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                    js.transferTo(gz);
                }
                return Base64.getEncoder().encodeToString(bytes.toByteArray());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read plotly.js from the kernel's class path", e);
        }
    }
}
