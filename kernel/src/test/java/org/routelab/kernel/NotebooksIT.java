package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curated notebooks, run the way users run them: {@code ./routelab notebooks --scale smoke}
 * executes every notebook of {@code notebooks/} with Debian's nbconvert and a privately installed
 * kernel. Every code cell must run without an error, and one notebook's exported HTML, opened in
 * headless Chromium with the network blocked, must show drawn Plotly charts (plotly.js is embedded).
 */
class NotebooksIT {
    private static final String PYTHON = System.getenv().getOrDefault("ROUTELAB_JUPYTER_PYTHON", "/usr/bin/python3");
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path NOTEBOOKS = ROOT.resolve("notebooks");
    /** The notebook whose HTML page is opened in Chromium. */
    private static final String CHARTED = "00-quickstart";

    @TempDir
    static Path work;

    private static Path out;
    private static CommandRun run;
    private static String missingJupyter;

    @BeforeAll
    static void runEveryNotebook() throws Exception {
        CommandRun probe = run(List.of(PYTHON, "-c", "import jupyter_client, nbclient, nbconvert"), 60);
        if (probe.exit() != 0) {
            missingJupyter = "SKIPPED: nbconvert is not installed, so the notebooks were not run;"
                    + " apt-get install python3-jupyter-client python3-nbclient python3-nbconvert (.ci/run does).\n"
                    + probe.output();
            System.err.println(missingJupyter);
            return;
        }
        out = work.resolve("out");
        run = run(List.of(ROOT.resolve("routelab").toString(), "notebooks", "--no-build", "--scale", "smoke",
                "--out", out.toString()), 3600);
        System.err.println(run.output());
    }

    private static void requireJupyter() {
        Assumptions.assumeTrue(missingJupyter == null, missingJupyter);
    }

    @Test
    void everyNotebookRunsAtSmokeScaleWithoutAnErrorCell() throws IOException {
        requireJupyter();
        List<Path> notebooks;
        try (Stream<Path> files = Files.list(NOTEBOOKS)) {
            notebooks = files.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertTrue(notebooks.size() >= 7, "curated notebooks: " + notebooks);
        List<String> problems = new ArrayList<>();
        for (Path source : notebooks) {
            String name = source.getFileName().toString().replace(".ipynb", "");
            Path executed = out.resolve(name + ".ipynb");
            if (!Files.exists(executed)) {
                problems.add(name + ": not executed (see " + out.resolve(name + ".log") + ")");
                continue;
            }
            JsonObject nb = JsonParser.parseString(Files.readString(executed)).getAsJsonObject();
            int cell = 0;
            for (JsonElement c : nb.getAsJsonArray("cells")) {
                JsonObject o = c.getAsJsonObject();
                if (!o.get("cell_type").getAsString().equals("code")) {
                    continue;
                }
                cell++;
                if (o.get("execution_count").isJsonNull()) {
                    problems.add(name + ": code cell " + cell + " did not run");
                }
                for (JsonElement output : o.getAsJsonArray("outputs")) {
                    if (output.getAsJsonObject().get("output_type").getAsString().equals("error")) {
                        problems.add(name + ": code cell " + cell + " failed: " + output);
                    }
                }
            }
            if (!Files.exists(out.resolve(name + ".html"))) {
                problems.add(name + ": no HTML page");
            }
        }
        assertEquals(List.of(), problems, run.output());
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("executed notebooks and HTML pages are in " + out), run.output());
        assertTrue(Files.readString(out.resolve("index.html")).contains(CHARTED + ".html"));
    }

    @Test
    void exportedChartsDrawInHeadlessChromiumWithoutNetwork() throws Exception {
        requireJupyter();
        Assumptions.assumeTrue(Chromium.binary() != null, Chromium.MISSING);
        Path page = out.resolve(CHARTED + ".html");
        assertTrue(Files.exists(page), run.output());
        String html = Files.readString(page);
        int charts = count(html, Pattern.compile("Plotly\\.newPlot\\("));
        assertTrue(charts >= 3, "the page has charts: " + charts);
        assertTrue(!Pattern.compile("<script[^>]*src=[\"']?(https?:)?//", Pattern.CASE_INSENSITIVE).matcher(html).find(),
                "the page loads no script from the network");

        CommandRun dom = Chromium.dumpDom(work, page.toUri(), 60_000);
        assertEquals(0, dom.exit(), tail(dom.output()));
        String drawn = dom.output();
        int svgs = count(drawn, Pattern.compile("class=\"main-svg\""));
        assertTrue(svgs >= 2 * charts, "every chart drew its two Plotly layers: " + svgs + " for " + charts
                + " charts\n" + tail(drawn));
        Matcher line = Pattern.compile("class=\"js-line\"[^>]*\\sd=\"M[0-9.,-]+L[0-9.,LM-]+\"").matcher(drawn);
        assertTrue(line.find(), "a training curve was plotted as a line with points\n" + tail(drawn));
        assertTrue(drawn.contains("class=\"point\""), "a scatter chart plotted its points");
        // The notes are also in every chart's script; only as an element's text would they be shown.
        assertTrue(!drawn.contains(">" + PlotlyHtml.MISSING_NOTE), "plotly.js was found offline");
        assertTrue(!drawn.contains(">" + PlotlyHtml.TRUST_NOTE), "drawn charts replace their static picture and note");
    }

    /**
     * Every chart of every executed notebook, through JupyterLab 4's renderers: untrusted (as a notebook
     * opens that its user did not run), each shows its static picture and the sentence on trusting the
     * notebook, and no script runs; trusted, plotly.js from the notebook's own outputs draws every chart.
     */
    @Test
    void everyChartShowsInJupyterLabTrustedOrNot() throws Exception {
        requireJupyter();
        String unavailable = JupyterLabRendering.unavailable();
        Assumptions.assumeTrue(unavailable == null, unavailable);
        List<String> problems = new ArrayList<>();
        int total = 0;
        for (Path executed : executedNotebooks()) {
            String name = executed.getFileName().toString().replace(".ipynb", "");
            List<JsonObject> charts = chartOutputs(JsonParser.parseString(Files.readString(executed)).getAsJsonObject());
            total += charts.size();
            if (charts.isEmpty()) {
                continue;
            }
            problems.addAll(JupyterLabRendering.problems(name, JupyterLabRendering.render(work, name, charts, false), false));
            problems.addAll(JupyterLabRendering.problems(name, JupyterLabRendering.render(work, name, charts, true), true));
        }
        assertTrue(total >= 10, "the notebooks have charts: " + total);
        assertEquals(List.of(), problems);
    }

    private static List<Path> executedNotebooks() throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
        }
    }

    /** The outputs that hold one or more RouteLab charts, in notebook order. */
    static List<JsonObject> chartOutputs(JsonObject notebook) {
        List<JsonObject> charts = new ArrayList<>();
        for (JsonElement c : notebook.getAsJsonArray("cells")) {
            JsonObject cell = c.getAsJsonObject();
            if (!cell.get("cell_type").getAsString().equals("code")) {
                continue;
            }
            for (JsonElement o : cell.getAsJsonArray("outputs")) {
                JsonObject output = o.getAsJsonObject();
                JsonElement html = output.has("data") ? output.getAsJsonObject("data").get("text/html") : null;
                if (html != null && html.toString().contains("routelab-chart")) {
                    charts.add(output);
                }
            }
        }
        return charts;
    }

    private static int count(String text, Pattern p) {
        Matcher m = p.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }

    private static CommandRun run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return CommandRun.of(work, command, timeoutSeconds);
    }
}
