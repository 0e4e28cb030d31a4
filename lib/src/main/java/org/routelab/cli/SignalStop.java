package org.routelab.cli;

import java.util.concurrent.atomic.AtomicReference;
import org.routelab.train.StopRequest;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM during a run: the first asks training to stop at the next step
 * boundary, where it writes a checkpoint and says where the run resumes; a second one exits at once.
 * The exit status is then that of a process killed by the signal (130 or 143).
 */
final class SignalStop {
    private static final AtomicReference<Signal> FIRST = new AtomicReference<>();

    private SignalStop() {}

    /** Installs the handlers for this process. */
    static void install() {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), SignalStop::received);
        }
    }

    /** Returns the exit status for a run that stopped on a signal: 128 plus the first signal's number. */
    static int exitStatus() {
        Signal first = FIRST.get();
        return 128 + (first == null ? new Signal("INT").getNumber() : first.getNumber());
    }

    private static void received(Signal signal) {
        if (!FIRST.compareAndSet(null, signal)) {
            System.err.println("routelab: SIG" + signal.getName() + " again: quitting without a checkpoint");
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
        StopRequest.request();
        System.err.println("routelab: SIG" + signal.getName() + ": stopping after the current step to write a"
                + " checkpoint (Ctrl-C again quits at once)");
    }
}
