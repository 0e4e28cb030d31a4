package org.routelab.util;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * partial file: the content goes to a temporary file in the target's directory, is flushed to disk,
 * and then replaces the target with an atomic move (a plain replacing move on file systems without
 * atomic moves). If writing fails, the target is untouched and the temporary file is removed.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Produces a file's content on a channel (for bulk binary data). */
    @FunctionalInterface
    public interface ChannelWriter {
        /**
         * Writes the whole content.
         *
         * @param channel the temporary file's channel; do not close it
         * @throws IOException if writing fails
         */
        void writeTo(WritableByteChannel channel) throws IOException;
    }

    /** Produces a file's content on a stream. */
    @FunctionalInterface
    public interface StreamWriter {
        /**
         * Writes the whole content.
         *
         * @param out a buffered stream to the temporary file; do not close it
         * @throws IOException if writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Atomically replaces {@code target} by {@code bytes}.
     *
     * @param target the file to write; its directory must exist
     * @param bytes the new content
     * @throws IOException if the file cannot be written (the old content is then intact)
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        writeChannel(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
    }

    /**
     * Atomically replaces {@code target} by {@code text} encoded as UTF-8.
     *
     * @param target the file to write; its directory must exist
     * @param text the new content
     * @throws IOException if the file cannot be written (the old content is then intact)
     */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Atomically replaces {@code target} by what {@code body} writes to a stream.
     *
     * @param target the file to write; its directory must exist
     * @param body writes the content
     * @throws IOException if the body or the file system fails (the old content is then intact)
     */
    public static void writeStream(Path target, StreamWriter body) throws IOException {
        writeChannel(target, channel -> {
            // Not closed: closing would close the channel before it is forced to disk.
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            body.writeTo(out);
            out.flush();
        });
    }

    /**
     * Atomically replaces {@code target} by what {@code body} writes to a channel.
     *
     * @param target the file to write; its directory must exist
     * @param body writes the content
     * @throws IOException if the body or the file system fails (the old content is then intact)
     */
    public static void writeChannel(Path target, ChannelWriter body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Not Files.createTempFile: it creates mode 0600, and the moved file would keep that mode.
        Path temp = dir.resolve("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            move(temp, absolute);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        syncDirectory(dir);
    }

    /**
     * Writes all of {@code buffer} (a single channel write may be partial).
     *
     * @param channel the destination
     * @param buffer the bytes from its position to its limit
     * @throws IOException if writing fails
     */
    public static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the rename itself durable; best effort, since some platforms cannot open directories. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // The file content is already on disk; only the rename's durability is not guaranteed.
        }
    }
}
