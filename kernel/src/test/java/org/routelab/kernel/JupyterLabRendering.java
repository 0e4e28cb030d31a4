package org.routelab.kernel;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Notebook outputs as JupyterLab 4 and Notebook 7 show them, without a Jupyter server: the outputs go
 * through {@code @jupyterlab/rendermime} 4 (the registry that picks each output's MIME type, the
 * renderers, the HTML sanitiser for untrusted outputs), bundled with esbuild and run in headless
 * Chromium offline. The npm packages are pinned by {@code src/test/js/package-lock.json} and installed
 * once into {@code target/jupyterlab-rendering}.
 */
final class JupyterLabRendering {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path SOURCES = MODULE.resolve("src/test/js");
    private static final Path BUILD = MODULE.resolve("target/jupyterlab-rendering");

    /**
     * What one output shows.
     *
     * @param mimeType the MIME type JupyterLab chose to render
     * @param charts how many RouteLab charts it holds
     * @param pictures how many loaded images are visible
     * @param drawn how many plotly.js chart layers were drawn (two per chart)
     * @param scripts how many script elements the rendered output holds
     * @param text its visible text
     */
    record Shown(String mimeType, int charts, int pictures, int drawn, int scripts, String text) {
    }

    private JupyterLabRendering() {
    }

    /** Why outputs cannot be rendered here (a skipped test's message), or null when they can. */
    static String unavailable() {
        if (Chromium.binary() == null) {
            return Chromium.MISSING;
        }
        if (!Chromium.onPath("npm")) {
            return "SKIPPED: npm is not installed, so JupyterLab's renderers were not fetched;"
                    + " apt-get install nodejs npm (.ci/run does)";
        }
        return null;
    }

    /** Installs the pinned packages and bundles the renderer, once per build folder. */
    private static synchronized Path bundle() throws IOException, InterruptedException {
        Path bundle = BUILD.resolve("render_outputs.bundle.js");
        Path lock = BUILD.resolve("package-lock.json");
        if (Files.exists(bundle) && Files.exists(lock)
                && Files.mismatch(lock, SOURCES.resolve("package-lock.json")) == -1
                && Files.mismatch(BUILD.resolve("render_outputs.js"), SOURCES.resolve("render_outputs.js")) == -1) {
            return bundle;
        }
        Files.createDirectories(BUILD);
        for (String file : List.of("package.json", "package-lock.json", "render_outputs.js")) {
            Files.copy(SOURCES.resolve(file), BUILD.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        CommandRun install = CommandRun.of(BUILD, List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix",
                BUILD.toString()), 600);
        if (install.exit() != 0) {
            throw new IllegalStateException("npm ci failed in " + BUILD + ":\n" + install.output());
        }
        CommandRun build = CommandRun.of(BUILD, List.of(BUILD.resolve("node_modules/.bin/esbuild").toString(),
                BUILD.resolve("render_outputs.js").toString(), "--bundle", "--format=iife", "--log-level=warning",
                "--loader:.svg=text", "--loader:.css=empty", "--define:process.env.NODE_ENV=\"production\"",
                "--outfile=" + bundle), 300);
        if (build.exit() != 0) {
            throw new IllegalStateException("esbuild failed:\n" + build.output());
        }
        return bundle;
    }

    /**
     * Renders outputs in one page, as one notebook's outputs share one page in JupyterLab.
     *
     * @param work a folder for the page
     * @param name the page's name
     * @param outputs nbformat outputs ({@code display_data} or {@code execute_result}), in notebook order
     * @param trusted whether the notebook is trusted
     * @return what each output shows, in order
     */
    static List<Shown> render(Path work, String name, List<JsonObject> outputs, boolean trusted)
            throws IOException, InterruptedException {
        Path bundle = bundle();
        JsonArray data = new JsonArray();
        for (JsonObject output : outputs) {
            JsonObject o = new JsonObject();
            o.add("data", joinLines(output.getAsJsonObject("data")));
            o.add("metadata", output.has("metadata") ? output.get("metadata") : new JsonObject());
            data.add(o);
        }
        Path dir = Files.createDirectories(work.resolve(name + (trusted ? "-trusted" : "-untrusted")));
        // "</" is escaped so that no output can end the script element early
        Files.writeString(dir.resolve("outputs.js"), "window.ROUTELAB_TRUSTED = " + trusted + ";\nwindow.ROUTELAB_OUTPUTS = "
                + data.toString().replace("</", "<\\/") + ";\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("page.html"), "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                + "<title>" + name + "</title></head>\n<body><div id=\"outputs\"></div><pre id=\"report\"></pre>\n"
                + "<script src=\"outputs.js\"></script>\n<script src=\"" + bundle.toUri() + "\"></script>\n"
                + "</body></html>\n", StandardCharsets.UTF_8);
        CommandRun dom = Chromium.dumpDom(dir, dir.resolve("page.html").toUri(), 90_000);
        Matcher report = Pattern.compile("<pre id=\"report\">(.*?)</pre>", Pattern.DOTALL).matcher(dom.output());
        if (dom.exit() != 0 || !report.find() || report.group(1).isBlank()) {
            throw new IllegalStateException("no report from " + dir.resolve("page.html") + ":\n" + tail(dom.output()));
        }
        JsonElement parsed = JsonParser.parseString(unescapeHtml(report.group(1)));
        if (parsed.isJsonObject()) {
            throw new IllegalStateException("rendering failed: " + parsed.getAsJsonObject().get("error").getAsString());
        }
        List<Shown> shown = new ArrayList<>();
        for (JsonElement e : parsed.getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            shown.add(new Shown(o.get("mimeType").getAsString(), o.get("charts").getAsInt(), o.get("pictures").getAsInt(),
                    o.get("drawn").getAsInt(), o.get("scripts").getAsInt(), o.get("text").getAsString()));
        }
        return shown;
    }

    /**
     * What is wrong with outputs holding charts as shown, one line per output. Untrusted, an output
     * must be rendered as HTML with a visible static picture per chart, the sentence on trusting the
     * notebook and no script; trusted, plotly.js must have drawn every chart and no note may be left.
     *
     * @param name the notebook, for the messages
     * @param shown the charts as shown
     * @param trusted whether they were rendered trusted
     */
    static List<String> problems(String name, List<Shown> shown, boolean trusted) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < shown.size(); i++) {
            Shown s = shown.get(i);
            boolean ok = s.charts() > 0 && (trusted
                    ? s.drawn() >= 2 * s.charts() && !s.text().contains("no copy of plotly.js")
                            && !s.text().contains("Static picture")
                    : s.mimeType().equals("text/html") && s.pictures() >= s.charts() && s.drawn() == 0
                            && s.scripts() == 0 && s.text().contains(PlotlyHtml.TRUST_NOTE));
            if (!ok) {
                problems.add(name + " chart output " + (i + 1) + (trusted ? ", trusted: " : ", untrusted: ") + s);
            }
        }
        return problems;
    }

    /** nbformat stores multi-line strings as lists of lines; JupyterLab joins them before rendering. */
    private static JsonObject joinLines(JsonObject data) {
        JsonObject joined = new JsonObject();
        for (String mime : data.keySet()) {
            JsonElement v = data.get(mime);
            if (v.isJsonArray() && !mime.endsWith("json")) {
                StringBuilder s = new StringBuilder();
                v.getAsJsonArray().forEach(line -> s.append(line.getAsString()));
                joined.addProperty(mime, s.toString());
            } else {
                joined.add(mime, v);
            }
        }
        return joined;
    }

    private static String unescapeHtml(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }
}
