package org.routelab.kernel;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jshell.execution.DirectExecutionControl;

/**
 * Runs cell code in the kernel's JVM, each snippet on its own thread so that an interrupt reaches
 * the user's code and never the kernel's message loop.
 *
 * <p>Values are handed over as objects, not strings: {@link #invoke(Method)} returns a key that
 * {@link #takeValue(String)} turns back into the snippet's value, so the kernel can render a table or
 * chart rather than its {@code toString()}. The exception a snippet threw is kept likewise.
 */
final class CellExecutionControl extends DirectExecutionControl {

    /** Marks keys in JShell's value strings; no {@code toString()} of a user's value starts like it. */
    static final String KEY_PREFIX = "\u0000routelab-value-";

    private final SnippetLoader loader;
    private final IoGuard guard;
    private final Map<String, Object> values = new ConcurrentHashMap<>();
    private final AtomicLong keys = new AtomicLong();
    private volatile Thread running;
    private volatile Throwable lastFailure;
    private volatile long cell;
    private volatile boolean interruptRequested;
    private volatile boolean forcedStop;

    CellExecutionControl(SnippetLoader loader, IoGuard guard) {
        super(loader);
        this.loader = loader;
        this.guard = guard;
    }

    /** Marks the start of a new cell: interrupts of the previous one no longer apply. */
    void startCell() {
        cell++;
        interruptRequested = false;
        forcedStop = false;
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread worker = new Thread(() -> {
            running = Thread.currentThread(); // set here, so an interrupt never targets a thread not yet started
            try {
                if (interruptRequested) {
                    throw new CellInterruptedException("the rest of the cell was skipped.");
                }
                result[0] = doitMethod.invoke(null);
            } catch (InvocationTargetException e) {
                failure[0] = e.getCause();
            } catch (Throwable e) { // ThreadDeath from a forced stop lands here too
                failure[0] = e;
            } finally {
                running = null;
            }
        }, "routelab-cell");
        worker.setContextClassLoader(loader.classLoader());
        worker.start();
        worker.join();
        if (forcedStop && (failure[0] == null || failure[0] instanceof ThreadDeath)) {
            failure[0] = new CellInterruptedException("the cell was stopped by force because it did not"
                    + " respond to the interrupt. Objects it was changing may be half-updated.");
        }
        if (failure[0] != null) {
            lastFailure = failure[0];
            throw new InvocationTargetException(failure[0]);
        }
        String key = KEY_PREFIX + keys.incrementAndGet();
        if (result[0] != null) {
            values.put(key, result[0]);
        }
        return key;
    }

    /** Whether cell code is running now. */
    boolean isRunning() {
        return running != null;
    }

    /** Whether the cell started as number {@code cellId} (see {@link #interrupt()}) is still running. */
    boolean isRunning(long cellId) {
        return running != null && cell == cellId;
    }

    /** Whether the current cell has been interrupted already. */
    boolean interruptRequested() {
        return interruptRequested;
    }

    /**
     * Interrupts the current cell: its running snippet's thread gets {@link Thread#interrupt()}, and
     * its later snippets are skipped.
     *
     * @return the number of the interrupted cell, for {@link #isRunning(long)}
     */
    long interrupt() {
        interruptRequested = true;
        Thread t = running;
        if (t != null) {
            guard.betweenSends(t::interrupt);
        }
        return cell;
    }

    /**
     * Stops the running snippet's thread, which ignored its interrupt. {@code Thread.stop} is the only
     * way to end code that never checks (e.g. {@code while (true) {}}); on the JDKs that removed it
     * such a cell keeps running.
     *
     * @return whether a thread was told to stop
     */
    @SuppressWarnings({"deprecation", "removal"})
    boolean stopByForce() {
        interruptRequested = true;
        Thread t = running;
        if (t == null) {
            return false;
        }
        try {
            forcedStop = true;
            guard.betweenSends(t::stop); // never in the middle of a multi-part message
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Removes and returns the value a snippet produced, given the value string JShell reported for it.
     * Returns null for a null value.
     */
    Object takeValue(String valueString) {
        return valueString == null ? null : values.remove(valueString);
    }

    /** Removes and returns the exception the last failing snippet threw, unwrapped from JShell's copy. */
    Throwable takeFailure() {
        Throwable t = lastFailure;
        lastFailure = null;
        return t;
    }

    /** Drops values no one took (e.g. of statements that were not the cell's last). */
    void clearValues() {
        values.clear();
    }
}
