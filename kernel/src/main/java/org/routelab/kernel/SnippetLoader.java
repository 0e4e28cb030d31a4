package org.routelab.kernel;

import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;
import jdk.jshell.spi.ExecutionControl.InternalException;

/**
 * Where the classes JShell compiles from cells live, together with jars added at run time
 * (%classpath, %maven). Lookup is parent-first: the library and its dependencies always come from
 * the kernel's class path, so an added jar can never replace a version the library needs.
 */
final class SnippetLoader implements LoaderDelegate {

    /** Defines cell classes from their bytecode; everything else goes to the URLs or the parent. */
    private static final class CellClassLoader extends URLClassLoader {
        private final Map<String, byte[]> bytecodes = new ConcurrentHashMap<>();

        CellClassLoader(ClassLoader parent) {
            super(new URL[0], parent);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = bytecodes.get(name);
            return bytes != null ? defineClass(name, bytes, 0, bytes.length) : super.findClass(name);
        }

        void add(URL url) {
            addURL(url);
        }
    }

    /** JShell's top-level wrapper classes, one per snippet; variables are their static fields. */
    private static final String WRAPPER_PREFIX = "REPL.$JShell$";

    private final CellClassLoader loader;
    private final List<Class<?>> cellClasses = new ArrayList<>();
    private final Set<String> startupPath = new HashSet<>();

    /**
     * @param parent           the kernel's class loader, which sees the library
     * @param startupClassPath the class path {@code parent} already covers; adding it again is a no-op
     */
    SnippetLoader(ClassLoader parent, String startupClassPath) {
        this.loader = new CellClassLoader(parent);
        for (String entry : startupClassPath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                startupPath.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
    }

    /** The class loader cell code runs in (also its threads' context class loader). */
    ClassLoader classLoader() {
        return loader;
    }

    @Override
    public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
        boolean[] installed = new boolean[cbcs.length];
        for (ClassBytecodes cbc : cbcs) {
            loader.bytecodes.put(cbc.name(), cbc.bytecodes());
        }
        for (int i = 0; i < cbcs.length; i++) {
            try {
                Class<?> c = loader.loadClass(cbcs[i].name());
                synchronized (cellClasses) {
                    cellClasses.add(c);
                }
                installed[i] = true;
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ClassInstallException("cannot load " + cbcs[i].name() + ": " + e, installed);
            }
        }
    }

    @Override
    public void classesRedefined(ClassBytecodes[] cbcs) {
        for (ClassBytecodes cbc : cbcs) {
            loader.bytecodes.put(cbc.name(), cbc.bytecodes());
        }
    }

    @Override
    public void addToClasspath(String path) throws InternalException {
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath().normalize();
            if (startupPath.contains(p.toString())) {
                continue;
            }
            try {
                loader.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new InternalException("bad class path entry " + entry + ": " + e.getMessage());
            }
        }
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        return loader.loadClass(name);
    }

    /**
     * Releases values no cell can reach any more. JShell keeps each variable in a static field of a
     * wrapper class that is never unloaded, so a redefined variable would otherwise keep its old value
     * (a model, a large array) alive for the whole session.
     *
     * @param liveVariables names of the variables JShell still has active; of the fields with such a
     *                      name only the most recently defined keeps its value, all others are cleared
     * @return how many fields were cleared
     */
    int releaseStaleValues(Collection<String> liveVariables) {
        Map<String, Field> newest = new HashMap<>();
        List<Field> all = new ArrayList<>();
        synchronized (cellClasses) {
            for (Class<?> c : cellClasses) {
                if (c.getEnclosingClass() != null || !c.getName().startsWith(WRAPPER_PREFIX)) {
                    continue; // a user's own class: its static fields are the user's business
                }
                for (Field f : c.getDeclaredFields()) {
                    int m = f.getModifiers();
                    if (Modifier.isStatic(m) && !Modifier.isFinal(m) && !f.getType().isPrimitive() && !f.isSynthetic()) {
                        all.add(f);
                        newest.put(f.getName(), f);
                    }
                }
            }
        }
        int cleared = 0;
        for (Field f : all) {
            if (liveVariables.contains(f.getName()) && newest.get(f.getName()) == f) {
                continue;
            }
            try {
                f.setAccessible(true);
                if (f.get(null) != null) {
                    f.set(null, null);
                    cleared++;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not one of JShell's variable fields (e.g. a nested class's constant): leave it.
            }
        }
        return cleared;
    }
}
