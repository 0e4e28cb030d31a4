package org.routelab.sweep;

import org.routelab.util.ConfigBinding;

/**
 * The main class of a cell's own JVM ({@link CellProcess}): reads the cell as JSON from standard input,
 * runs it (its record lands in the store), and exits 0, or 1 if it could not even record a failure.
 */
public final class CellMain {
    private CellMain() {}

    /**
     * Runs one cell.
     *
     * @param args the device ({@code gpu:N}), or nothing for the cell config's
     */
    public static void main(String[] args) {
        try {
            CellTask task = ConfigBinding.MAPPER.readValue(System.in, CellTask.class);
            CellRecord r = CellRunner.run(task, args.length > 0 ? args[0] : null);
            System.err.println("cell " + task.key() + ": " + r.status() + (r.ok() ? "" : " (" + r.error() + ")"));
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }
}
