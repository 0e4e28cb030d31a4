package org.routelab.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An external command the integration tests ran: its exit status (-1 if it could not run or timed out) and output. */
record CommandRun(int exit, String output) {

    /**
     * Runs a command, merging its output into a file in {@code work} so that a full pipe can never block it.
     *
     * @param work the folder for the output file
     * @param command the command and its arguments
     * @param timeoutSeconds how long it may run before it and its children are killed
     * @return what happened
     */
    static CommandRun of(Path work, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile(work, "run-", ".log");
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            return new CommandRun(-1, "cannot run " + command + ": " + e.getMessage());
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            return new CommandRun(-1, "timed out after " + timeoutSeconds + " s:\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new CommandRun(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
