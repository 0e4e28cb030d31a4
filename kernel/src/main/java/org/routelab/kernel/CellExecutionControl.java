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
    private final Map<String, Object> values = new ConcurrentHashMap<>();
    private final AtomicLong keys = new AtomicLong();
    private volatile Thread running;
    private volatile Throwable lastFailure;

    CellExecutionControl(SnippetLoader loader) {
        super(loader);
        this.loader = loader;
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread worker = new Thread(() -> {
            try {
                result[0] = doitMethod.invoke(null);
            } catch (InvocationTargetException e) {
                failure[0] = e.getCause();
            } catch (Throwable e) { // ThreadDeath from a forced stop lands here
                failure[0] = e;
            }
        }, "routelab-cell");
        worker.setContextClassLoader(loader.classLoader());
        running = worker;
        try {
            worker.start();
            worker.join();
        } finally {
            running = null;
        }
        if (failure[0] != null) {
            Throwable cause = failure[0] instanceof ThreadDeath
                    ? new CellInterruptedException("Interrupted: the cell was stopped by force because it did not"
                            + " respond to the interrupt. Objects it was changing may be half-updated.")
                    : failure[0];
            lastFailure = cause;
            throw new InvocationTargetException(cause);
        }
        String key = KEY_PREFIX + keys.incrementAndGet();
        if (result[0] != null) {
            values.put(key, result[0]);
        }
        return key;
    }

    /**
     * Stops a cell thread that ignored its interrupt. {@code Thread.stop} is the only way to end code
     * that never checks (e.g. {@code while (true) {}}); the JDKs that removed it leave such a cell running.
     *
     * @return whether the thread was told to stop
     */
    @SuppressWarnings({"deprecation", "removal"})
    boolean stopByForce(Thread thread) {
        try {
            thread.stop();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** The thread running cell code now, or null when idle. */
    Thread runningThread() {
        return running;
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
