package org.routelab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock within one process; RunFolderProcessTest covers other processes and kill -9. */
class FolderLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondHolderIsRefusedUntilTheFirstReleases() throws IOException {
        long self = ProcessHandle.current().pid();
        try (FolderLock lock = FolderLock.acquire(dir.resolve("run"))) {
            assertEquals(self + "\n", Files.readString(dir.resolve("run").resolve(FolderLock.FILE)));
            assertEquals(Optional.empty(), lock.previousHolder());
            FolderLock.Held held = assertThrows(FolderLock.Held.class, () -> FolderLock.acquire(dir.resolve("run")));
            assertEquals(Optional.of(self), held.holder());
            assertTrue(held.getMessage().contains("in use by this process (pid " + self + ")"), held.getMessage());
        }
        try (FolderLock again = FolderLock.acquire(dir.resolve("run"))) {
            assertEquals(Optional.empty(), again.previousHolder(), "a released lock leaves no holder behind");
        }
    }

    @Test
    void aLockFileLeftByADeadProcessIsTakenOver() throws IOException {
        Process gone = new ProcessBuilder("true").start();
        long pid = gone.pid();
        assertTrue(gone.onExit().join().exitValue() == 0);
        Files.writeString(dir.resolve(FolderLock.FILE), pid + "\n");
        try (FolderLock lock = FolderLock.acquire(dir)) {
            assertEquals(Optional.of(pid), lock.previousHolder());
        }
    }
}
