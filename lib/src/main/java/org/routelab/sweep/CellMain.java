package org.routelab.sweep;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.routelab.util.ConfigBinding;

/**
 * The main class of a cell JVM ({@link CellProcess}): reads cells as JSON lines from standard input, runs
 * each (its record lands in the store) and answers with a line {@code @@routelab-cell-done KEY}; exits at
 * the end of its input, or with 1 if a cell could not even record a failure.
 */
public final class CellMain {
    private CellMain() {}

    /**
     * Runs cells until the input ends.
     *
     * @param args the device ({@code gpu:N}), or nothing for each cell config's
     */
    public static void main(String[] args) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                CellTask task = ConfigBinding.MAPPER.readValue(line, CellTask.class);
                CellRecord r = CellRunner.run(task, args.length > 0 ? args[0] : null);
                System.err.println("cell " + task.key() + ": " + r.status() + (r.ok() ? "" : " (" + r.error() + ")")
                        + " in cell JVM " + ProcessHandle.current().pid());
                System.err.flush();
                System.out.println(CellProcess.DONE + task.key());
                System.out.flush();
            }
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }
}
