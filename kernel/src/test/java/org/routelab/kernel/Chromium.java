package org.routelab.kernel;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Headless Chromium for the integration tests: opens a page offline and returns its DOM once scripts have run. */
final class Chromium {

    /** Why no page can be opened here, for a skipped test. */
    static final String MISSING = "SKIPPED: Chromium is not installed, so no page was opened;"
            + " apt-get install chromium (.ci/run does)";

    private Chromium() {
    }

    /** The Chromium command on the PATH, or null. */
    static String binary() {
        return Stream.of("chromium", "chromium-browser", "google-chrome").filter(Chromium::onPath).findFirst()
                .orElse(null);
    }

    static boolean onPath(String command) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * The page's DOM after its scripts ran. Every host name fails to resolve, so nothing can come from the
     * network; a virtual-time budget lets timers and unpacking finish without waiting in real time.
     *
     * @param work a folder for the browser profile and the output
     * @param page the page
     * @param virtualMillis the virtual-time budget
     */
    static CommandRun dumpDom(Path work, URI page, int virtualMillis) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        return CommandRun.of(work, List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--host-resolver-rules=MAP * ~NOTFOUND",
                "--virtual-time-budget=" + virtualMillis, "--dump-dom", page.toString()), 300);
    }
}
