package org.routelab.sweep;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.routelab.util.AtomicFiles;
import org.routelab.util.ConfigBinding;
import tech.tablesaw.api.Table;

/**
 * A sweep's folder as its store: one file per finished cell, {@code cells/KEY.json}, written atomically
 * by whoever ran the cell (so a sweep killed at any moment keeps every cell that finished, and a cell in
 * flight leaves nothing), and the gathered table as {@code results.csv}. On a cluster the folder must be
 * one that the driver and every executor see (a shared file system).
 */
public final class SweepStore {
    private final Path folder;

    /**
     * Opens a store.
     *
     * @param folder the sweep's folder (created when a cell is written)
     */
    public SweepStore(Path folder) {
        this.folder = folder.toAbsolutePath();
    }

    /** Returns the folder. */
    public Path folder() {
        return folder;
    }

    /** Returns the file of a cell. */
    public Path cellFile(String key) {
        return folder.resolve("cells").resolve(key + ".json");
    }

    /**
     * Returns a cell's record when the store has one.
     *
     * @param key the cell's key
     * @return the record, or empty
     */
    public Optional<CellRecord> read(String key) {
        Path file = cellFile(key);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ConfigBinding.MAPPER.readValue(file.toFile(), CellRecord.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sweep cell " + file, e);
        }
    }

    /**
     * Writes a cell's record atomically.
     *
     * @param record the record
     */
    public void write(CellRecord record) {
        try {
            Files.createDirectories(cellFile(record.key()).getParent());
            AtomicFiles.write(cellFile(record.key()), ConfigBinding.MAPPER.writer()
                    .with(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sweep cell " + cellFile(record.key()), e);
        }
    }

    /**
     * Writes a table as CSV in the store, atomically.
     *
     * @param table the table
     * @param name the file name, e.g. {@code results.csv}
     * @return the file
     */
    public Path writeTable(Table table, String name) {
        Path file = folder.resolve(name);
        try {
            Files.createDirectories(folder);
            StringWriter csv = new StringWriter();
            table.write().csv(csv);
            AtomicFiles.writeString(file, csv.toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
