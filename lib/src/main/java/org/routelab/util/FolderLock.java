package org.routelab.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One writer per folder: an exclusive lock on {@value #FILE} in the folder, held until {@link #close},
 * with the holder's process id written in the file. The operating system drops the lock when its
 * process dies (even by {@code kill -9}), so a lock file left behind by a dead process is taken over;
 * the new holder can tell whose it was ({@link #previousHolder}).
 */
public final class FolderLock implements AutoCloseable {
    /** The lock file's name inside the locked folder. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final Long previousHolder;

    private FolderLock(FileChannel channel, FileLock lock, Long previousHolder) {
        this.channel = channel;
        this.lock = lock;
        this.previousHolder = previousHolder;
    }

    /**
     * Takes the lock of a folder, creating the folder if needed.
     *
     * @param folder the folder
     * @return the held lock
     * @throws Held if another process (or another part of this one) holds it
     * @throws IOException if the folder or its lock file cannot be created or locked
     */
    public static FolderLock acquire(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            Long previous = readPid(channel);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                throw new Held(folder, ProcessHandle.current().pid());
            }
            if (lock == null) {
                throw new Held(folder, previous);
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            AtomicFiles.writeFully(channel, ByteBuffer.wrap(pid).position(0));
            channel.force(false);
            long self = ProcessHandle.current().pid();
            return new FolderLock(channel, lock, previous != null && previous != self ? previous : null);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Returns the process id found in a lock file that this lock took over: a process that died
     * holding the folder (its lock went with it), or that ended without removing its id.
     */
    public Optional<Long> previousHolder() {
        return Optional.ofNullable(previousHolder);
    }

    /** Releases the lock; the file stays, emptied, for the next holder. */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static Long readPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return text.matches("\\d{1,18}") ? Long.valueOf(text) : null;
    }

    /** The folder is locked by another holder. */
    public static final class Held extends IOException {
        private static final long serialVersionUID = 1L;

        private final Long holder;

        Held(Path folder, Long holder) {
            super(folder + " is in use by " + (holder == null ? "another process"
                    : holder == ProcessHandle.current().pid() ? "this process (pid " + holder + ")"
                    : "process " + holder + (ProcessHandle.of(holder).isPresent() ? "" : " (now gone)"))
                    + " (lock file " + folder.resolve(FILE) + ")");
            this.holder = holder;
        }

        /** Returns the holder's process id, when its lock file names one. */
        public Optional<Long> holder() {
            return Optional.ofNullable(holder);
        }
    }
}
