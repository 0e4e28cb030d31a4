package org.routelab.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import tech.tablesaw.plotly.components.Figure;

/**
 * Renders tablesaw-jsplot figures as interactive Plotly charts that work offline.
 *
 * <p>plotly.js comes from the plotly.js-dist webjar on the kernel's class path, never from the
 * network. It is embedded once per kernel session, in the first chart, gzipped and base64-encoded
 * (about a third of its size), and unpacked in the browser with {@code DecompressionStream}. Charts
 * wait for it, so they work in JupyterLab 4, Notebook 7, classic Notebook (RequireJS is hidden while
 * the bundle defines {@code window.Plotly}) and in HTML exported with nbconvert.
 */
final class PlotlyHtml {

    private static final String WEBJAR = "META-INF/maven/org.webjars.npm/plotly.js-dist/pom.properties";

    private boolean bundleEmbedded;

    /** HTML for one chart; the first call of a session also carries plotly.js. */
    synchronized String render(Figure figure) {
        String div = "rl_" + UUID.randomUUID().toString().replace("-", "");
        StringBuilder html = new StringBuilder();
        if (!bundleEmbedded) {
            html.append(bundleScript());
            bundleEmbedded = true;
        }
        html.append("<div id=\"").append(div).append("\" class=\"routelab-plot\"></div>\n<script>\n(function () {\n")
            .append("  function draw(Plotly) {\n").append(figureScript(figure, div)).append("\n  }\n")
            .append("  var tries = 0;\n")
            .append("  (function wait() {\n")
            // JupyterLab may run the script before the output is attached: wait for the div too.
            .append("    var div = document.getElementById('").append(div).append("');\n")
            .append("    if (div && window.Plotly) { draw(window.Plotly); return; }\n")
            .append("    if (div && window.routelabPlotly) { window.routelabPlotly.then(draw); return; }\n")
            .append("    if (++tries < 300) { setTimeout(wait, 100); return; }\n")
            .append("    if (div) { div.textContent = 'plotly.js is not on this page:"
                    + " restart the kernel and run all cells (it is embedded in the first chart of each session).'; }\n")
            .append("  })();\n})();\n</script>\n");
        return html.toString();
    }

    /** Forgets that plotly.js was sent, so the next chart embeds it again. */
    synchronized void embedAgain() {
        bundleEmbedded = false;
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

    private static String bundleScript() {
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
