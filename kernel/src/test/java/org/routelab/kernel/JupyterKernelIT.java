package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel against a real Jupyter: installs it with {@code ./routelab kernel install --prefix}, then
 * runs the scenarios of {@code src/test/python/jupyter_scenarios.py} with Debian's jupyter_client,
 * nbclient and nbconvert. Runs after packaging (failsafe), since Jupyter starts the built kernel jar.
 */
class JupyterKernelIT {

    /** Debian's Python, which sees Debian's Jupyter packages; override with ROUTELAB_JUPYTER_PYTHON. */
    private static final String PYTHON = System.getenv().getOrDefault("ROUTELAB_JUPYTER_PYTHON", "/usr/bin/python3");
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path ROOT = MODULE.getParent();

    @TempDir
    static Path work;

    /** Why the tests cannot run here, or null when Jupyter is installed. */
    private static String missingJupyter;

    @BeforeAll
    static void installKernel() throws Exception {
        CommandRun probe = run(List.of(PYTHON, "-c", "import jupyter_client, nbclient, nbconvert"), 60);
        if (probe.exit() != 0) {
            missingJupyter = "SKIPPED: Jupyter is not installed, so the kernel was not tested against it;"
                    + " apt-get install python3-jupyter-client python3-nbclient python3-nbconvert (.ci/run does).\n"
                    + probe.output();
            System.err.println(missingJupyter);
            return;
        }
        Path startup = Files.writeString(work.resolve("startup.jsh"), "String greeting = \"hello from startup\";\n");
        CommandRun install = run(List.of(ROOT.resolve("routelab").toString(), "kernel", "install", "--no-build",
                "--prefix", work.resolve("jupyter").toString(), "--java-opts", "-Xmx1g",
                "--env", "ROUTELAB_STARTUP=" + startup), 60);
        assertEquals(0, install.exit(), install.output());
        Path spec = work.resolve("jupyter/share/jupyter/kernels/routelab/kernel.json");
        String json = Files.readString(spec);
        assertTrue(json.contains("\"display_name\": \"RouteLab (Java)\""), json);
        assertTrue(json.contains("\"interrupt_mode\": \"message\""), json);
        assertTrue(json.contains("\"ROUTELAB_KERNEL_JAVA_OPTS\": \"-Xmx1g\""), json);
        Files.copy(MODULE.resolve("src/test/notebooks/showcase.ipynb"), work.resolve("showcase.ipynb"));
    }

    @BeforeEach
    void requireJupyter() {
        Assumptions.assumeTrue(missingJupyter == null, missingJupyter);
    }

    private static void scenario(String name) throws Exception {
        CommandRun r = run(List.of(PYTHON, MODULE.resolve("src/test/python/jupyter_scenarios.py").toString(), name,
                work.resolve("jupyter/share/jupyter").toString(), work.toString()), 540);
        assertEquals(0, r.exit(), "scenario " + name + " failed:\n" + r.output());
        assertTrue(r.output().contains("scenario passed: " + name), r.output());
    }

    @Test
    void executesCellsWithRichOutputCompletionAndErrors() throws Exception {
        scenario("execute");
    }

    @Test
    void interruptStopsTrainingAndBusyLoopsAndTheKernelStaysUsable() throws Exception {
        scenario("interrupt");
    }

    @Test
    void restartAndShutdown() throws Exception {
        scenario("restart");
    }

    @Test
    void historyRequestsAreAnsweredAtStartAndAfterARestart() throws Exception {
        scenario("history");
    }

    /**
     * Chart cells re-run in another order, or the cell that carried plotly.js deleted, then the notebook
     * saved and opened again: JupyterLab's renderers draw every chart when the notebook is trusted and
     * show every static picture when it is not.
     */
    @Test
    void chartCellsRerunInAnyOrderRedrawAfterTheNotebookIsReloaded() throws Exception {
        scenario("rerun");
        String unavailable = JupyterLabRendering.unavailable();
        Assumptions.assumeTrue(unavailable == null, unavailable);
        List<String> problems = new ArrayList<>();
        for (String saved : List.of("rerun", "deleted")) {
            JsonObject notebook = JsonParser.parseString(Files.readString(work.resolve(saved + ".ipynb"))).getAsJsonObject();
            List<JsonObject> charts = NotebooksIT.chartOutputs(notebook);
            assertEquals(3, charts.size(), saved);
            for (boolean trusted : new boolean[] {true, false}) {
                problems.addAll(JupyterLabRendering.problems(saved,
                        JupyterLabRendering.render(work, saved, charts, trusted), trusted));
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void nbconvertExecutesANotebookWithATableAPlotAndAProgressBar() throws Exception {
        scenario("nbconvert");
    }

    private static CommandRun run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return CommandRun.of(work, command, timeoutSeconds);
    }
}
