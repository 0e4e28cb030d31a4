package org.routelab.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * Starts the kernel for Jupyter: {@code java org.routelab.kernel.Main CONNECTION_FILE}, the command a
 * kernelspec written by {@code ./routelab kernel install} runs.
 */
public final class Main {

    private Main() {
    }

    /** Runs the kernel until Jupyter shuts it down; {@code args} is the connection file's path. */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java org.routelab.kernel.Main CONNECTION_FILE (Jupyter passes it)");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        String mvn = System.getenv().getOrDefault("ROUTELAB_MVN", "mvn");
        Path mavenWork = Path.of(System.getProperty("java.io.tmpdir"), "routelab-maven-" + ProcessHandle.current().pid());
        IoGuard guard = new IoGuard();
        RouteLabKernel kernel = new RouteLabKernel(System.getProperty("java.class.path"), mavenWork, mvn, guard);
        kernel.onStartup();
        JupyterConnection connection = new KernelConnection(props, guard);
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        // Library and user code may leave non-daemon threads behind; the session is over.
        System.exit(0);
    }
}
