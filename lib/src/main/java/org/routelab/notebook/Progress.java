package org.routelab.notebook;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * Where library loops report progress, and how they notice an interrupt.
 *
 * <p>Library code opens a phase per piece of long work ({@link #start}), reports steps on it, and
 * calls {@link #checkInterrupted()} between steps. Who shows the progress is decided by whoever runs
 * the library: the Jupyter kernel installs an HTML listener with {@link #install}; otherwise
 * progress is printed as text to standard error.
 */
public final class Progress {

    private static volatile ProgressListener listener = new TextProgressListener();
    private static final ThreadLocal<Deque<ProgressPhase>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);
    /** Threads whose phases nobody sees (a sweep's cells: the sweep shows one display for all of them). */
    private static final ThreadLocal<Boolean> SILENT = ThreadLocal.withInitial(() -> false);
    private static final ProgressListener NOBODY = new ProgressListener() {
        @Override
        public void phaseStarted(ProgressUpdate update) {}

        @Override
        public void phaseUpdated(ProgressUpdate update) {}

        @Override
        public void phaseEnded(ProgressUpdate update) {}
    };

    private Progress() {
    }

    /**
     * Makes {@code newListener} receive all phases started from now on.
     *
     * @return the listener it replaces, so that callers can restore it
     */
    public static ProgressListener install(ProgressListener newListener) {
        ProgressListener previous = listener;
        listener = Objects.requireNonNull(newListener, "listener");
        return previous;
    }

    /** The listener new phases report to. */
    public static ProgressListener listener() {
        return listener;
    }

    /**
     * Starts a phase of {@code total} steps ({@code 0} when unknown) and reports it to the installed
     * listener. Close the returned phase when the work ends, normally or not.
     */
    public static ProgressPhase start(String name, long total) {
        ProgressPhase phase = new ProgressPhase(Objects.requireNonNull(name, "name"), total,
                SILENT.get() ? NOBODY : listener, System::nanoTime);
        OPEN.get().push(phase);
        return phase;
    }

    /**
     * Runs work whose phases report to nobody, on this thread only (interrupts are still noticed).
     *
     * @param work the work
     * @param <T> its result type
     * @return its result
     */
    public static <T> T silently(java.util.function.Supplier<T> work) {
        boolean was = SILENT.get();
        SILENT.set(true);
        try {
            return work.get();
        } finally {
            SILENT.set(was);
        }
    }

    /**
     * Throws {@link RunInterruptedException} when the current thread was interrupted, clearing the
     * interrupt so that the caller can go on using the thread. Call it between steps of long work.
     */
    public static void checkInterrupted() {
        if (!Thread.interrupted()) {
            return;
        }
        ProgressPhase phase = OPEN.get().peek();
        if (phase == null) {
            throw new RunInterruptedException("Interrupted by the user.");
        }
        String at = phase.total() > 0 ? phase.step() + " of " + phase.total() : String.valueOf(phase.step());
        throw new RunInterruptedException("Interrupted by the user: '" + phase.name() + "' stopped between steps"
                + " after step " + at + "; what it updated so far is consistent and usable.");
    }

    static void ended(ProgressPhase phase) {
        OPEN.get().remove(phase);
    }
}
