package org.routelab.kernel;

/**
 * Keeps interrupts away from a thread while it talks to Jupyter. jeromq fails a send (EINTR) from an
 * interrupted thread and may close its internal pipe, breaking the socket for good; yet cell code
 * that was interrupted still prints and updates progress bars. Sends run with the interrupt flag
 * cleared and restored after, and interrupts and forced stops wait until no send is in flight.
 */
final class IoGuard {

    private final Object lock = new Object();

    /** Runs {@code send} with the current thread's interrupt flag cleared, restoring it afterwards. */
    void send(Runnable send) {
        synchronized (lock) {
            boolean interrupted = Thread.interrupted();
            try {
                send.run();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Runs {@code action} (an interrupt or a stop of a cell thread) when no send is in flight. */
    void betweenSends(Runnable action) {
        synchronized (lock) {
            action.run();
        }
    }
}
