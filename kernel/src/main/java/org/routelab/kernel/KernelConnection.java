package org.routelab.kernel;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.channels.ShellChannel;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageContext;

/** The Jupyter connection, with every IOPub message sent under the {@link IoGuard}. */
final class KernelConnection extends JupyterConnection {

    private final IoGuard guard;

    KernelConnection(KernelConnectionProperties props, IoGuard guard) throws NoSuchAlgorithmException, InvalidKeyException {
        super(props);
        this.guard = guard;
    }

    @Override
    public ShellReplyEnvironment prepareReplyEnv(ShellChannel shell, MessageContext context) {
        return new ShellReplyEnvironment(shell, stdin, iopub, context) {
            @Override
            public void publish(Message<?> msg) {
                guard.send(() -> super.publish(msg));
            }
        };
    }
}
