package org.routelab.kernel;

import java.nio.charset.StandardCharsets;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.JupyterIO;

/** Jupyter's streams, with the hooks the kernel needs to bind them to the request being executed. */
final class KernelIO extends JupyterIO {

    KernelIO() {
        super(StandardCharsets.UTF_8);
    }

    /** Routes stdout, stderr, stdin and displays to the request {@code env} answers. */
    void attach(ShellReplyEnvironment env, boolean stdinEnabled) {
        setEnv(env);
        setJupyterInEnabled(stdinEnabled);
    }

    /** Stops routing to {@code env} (output after the request ends has nowhere to go). */
    void detach(ShellReplyEnvironment env) {
        retractEnv(env);
    }
}
