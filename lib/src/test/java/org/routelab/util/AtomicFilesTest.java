package org.routelab.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writesAndReplacesContent() throws IOException {
        Path target = dir.resolve("config.json");
        AtomicFiles.writeString(target, "{\"a\": 1}");
        assertEquals("{\"a\": 1}", Files.readString(target));
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        AtomicFiles.writeStream(target, out -> out.write("streamed é".getBytes(StandardCharsets.UTF_8)));
        assertEquals("streamed é", Files.readString(target));
        AtomicFiles.writeChannel(target, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[] {9})));
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(target));
        assertEquals(List.of("config.json"), listing());
    }

    @Test
    void failureMidwayKeepsOldFileAndRemovesTemp() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old content");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.writeStream(target, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", thrown.getMessage());
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of("model.safetensors"), listing());

        assertThrows(IllegalStateException.class, () -> AtomicFiles.writeChannel(target, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[10]));
            throw new IllegalStateException("unchecked failure");
        }));
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of("model.safetensors"), listing());
    }

    @Test
    void missingDirectoryFailsWithoutCreatingAnything() {
        assertThrows(IOException.class, () -> AtomicFiles.writeString(dir.resolve("absent/x.json"), "x"));
    }

    @Test
    void newFileGetsDefaultPermissionsNotTempFilePermissions() throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Path plain = dir.resolve("plain.txt");
        Files.writeString(plain, "x");
        Path atomic = dir.resolve("atomic.txt");
        AtomicFiles.writeString(atomic, "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
    }
}
