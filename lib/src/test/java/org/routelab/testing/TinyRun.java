package org.routelab.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.routelab.data.JsonlTasks;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.experiment.BuiltinBackbone;

/**
 * A run of the command line small enough for tests: a randomly initialised tiny T5 ({@code backbone/})
 * and a small SkillComp suite written as task files ({@code suite/}), so that a config file can name
 * both and nothing is pretrained.
 */
public final class TinyRun {
    /** A small suite: 8 training and 2 held-out tasks of 40 examples. */
    public static final SkillCompConfig SMALL =
            new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    private TinyRun() {}

    /**
     * Writes {@code backbone/} and {@code suite/} into a folder unless they are there.
     *
     * @param dir the folder
     * @throws IOException if writing fails
     */
    public static void write(Path dir) throws IOException {
        Path backbone = dir.resolve("backbone");
        if (!Files.exists(backbone.resolve("config.json"))) {
            SavedBackbones.write(BuiltinBackbone.Architecture.T5, SMALL, backbone);
        }
        Path suite = dir.resolve("suite");
        if (!Files.exists(suite.resolve(JsonlTasks.TRAINING_FILE))) {
            JsonlTasks.writeSuite(suite, SkillComp.generate(SMALL, 5).suite());
        }
    }

    /**
     * Writes a config file naming the tiny backbone and suite.
     *
     * @param dir the folder holding them (see {@link #write})
     * @param name the file's name
     * @param extra further top-level members, e.g. {@code "multitask": {"steps": 4}} (no leading comma)
     * @return the file
     * @throws IOException if writing fails
     */
    public static Path config(Path dir, String name, String extra) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "{\"output\": \"run\", \"backbone\": \"backbone\", \"suite\": \"suite\", \"seeds\": [0],"
                + " \"method\": {\"name\": \"poly\", \"skills\": 2}" + (extra.isEmpty() ? "" : ", " + extra)
                + "}\n");
        return file;
    }
}
