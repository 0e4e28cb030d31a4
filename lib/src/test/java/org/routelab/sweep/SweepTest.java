package org.routelab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.util.ConfigException;

/** Sweeps on embedded Spark with tiny cells: the grid, the store, failures and the same table anywhere. */
class SweepTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    @TempDir
    static Path dir;

    private static ExperimentConfig base;

    @BeforeAll
    static void tinyBackboneAndSuite() throws IOException {
        Path backbone = dir.resolve("backbone");
        Path suite = dir.resolve("suite");
        SkillComp data = SkillComp.generate(SMALL, 5);
        data.writeTo(suite);
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = LanguageModel.create(BuiltinBackbone.Architecture.T5.config(SMALL), m,
                    DataType.FLOAT32);
            model.initialize(3);
            model.save(backbone, suite.resolve(SkillComp.TOKENIZER_FILE));
        }
        base = ExperimentConfig.DEFAULT.with("backbone", backbone.toString()).with("suite", suite.toString())
                .with("multitask.steps", 2).with("multitask.batch_size", 8).with("adaptation.shots", 8)
                .with("adaptation.steps", 2).with("device", "cpu");
    }

    private static Sweep grid() {
        return Sweep.of(base).axis("method.name", "lora", "poly").axis("multitask.lr", 1e-2, 3e-2).seeds(0, 1);
    }

    @Test
    void cellsAreTheGridWithKeysFromTheirConfigs() {
        List<Cell> cells = grid().cells();
        assertEquals(8, cells.size());
        assertEquals("poly", cells.get(4).config().method().method().name());
        assertEquals(3e-2f, cells.get(7).config().multitask().lr(), 0f);
        assertEquals(List.of(1), cells.get(7).config().seeds());
        assertEquals(8, cells.stream().map(Cell::key).distinct().count());
        // the key is the config's, however it was spelled
        assertEquals(cells.get(0).key(), CellKey.of(base.with("multitask.lr", 0.01).with("seeds", List.of(0)).with("name", "x")));
    }

    @Test
    void aBadAxisValueIsRefusedNamingIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> Sweep.of(base).axis("method.name", "poly")
                .axis("method.skills", 2, 0));
        assertTrue(e.getMessage().startsWith("axes.method.skills[1]: "), e.getMessage());
        assertThrows(ConfigException.class, () -> Sweep.of(base).axis("method.skils", 2));
    }

    /** The same sweep gives the same table, bit for bit, under local[1] and local[2]. */
    @Test
    void sameTableUnderOneAndTwoThreads() {
        Sweep sweep = Sweep.of(base).axis("method.name", "lora", "poly").seeds(0, 1);
        SweepResult one = sweep.master("local[1]").store(dir.resolve("one")).run();
        SweepResult two = sweep.master("local[2]").store(dir.resolve("two")).run();
        assertEquals(4, one.table().rowCount());
        assertTrue(one.failures().isEmpty(), () -> one.failures().toString());
        assertTrue(two.failures().isEmpty(), () -> two.failures().get(0).error());
        assertEquals(csv(one), csv(two));
        // One executor thread under local[1]: its four cells ran one after another in one cell JVM.
        assertEquals(1, cellJvms(dir.resolve("one")).size());
        assertTrue(cellJvms(dir.resolve("two")).size() <= 2);
        assertEquals(List.of("method.name", "seed", "status", "mean_accuracy"), one.table().columnNames().subList(0, 4));
        assertEquals(2, one.summary().rowCount());
        var experiments = one.experiments();
        assertEquals("method.name=poly, seed=1", experiments.get(3).name());
        assertEquals(2, experiments.get(3).multitaskLosses().size());
        assertEquals(one.records().get(3).meanAccuracy(), experiments.get(3).meanAccuracy(), 0);
    }

    @Test
    void aSecondRunRunsOnlyMissingCellsAndFailuresAreRecorded() throws IOException {
        Path store = dir.resolve("rerun");
        Sweep sweep = Sweep.of(base).axis("backbone", base.backbone(), dir.resolve("no-such-model").toString())
                .retries(1).master("local[2]").store(store);
        SweepResult first = sweep.run();
        assertEquals(List.of("ok", "failed"), first.table().stringColumn("status").asList());
        CellRecord failed = first.records().get(1);
        assertEquals(2, failed.attempts());
        assertTrue(!failed.error().isEmpty());
        assertTrue(Files.isRegularFile(store.resolve("results.csv")));

        Path okFile = new SweepStore(store).cellFile(first.records().get(0).key());
        FileTime before = FileTime.fromMillis(0);
        Files.setLastModifiedTime(okFile, before);
        Path failedFile = new SweepStore(store).cellFile(failed.key());
        Files.setLastModifiedTime(failedFile, before);
        SweepResult second = sweep.run();
        assertEquals(before, Files.getLastModifiedTime(okFile), "a finished cell ran again");
        assertNotEquals(before, Files.getLastModifiedTime(failedFile), "a failed cell was not run again");
        assertEquals(first.table().column("mean_accuracy").getString(0), second.table().column("mean_accuracy").getString(0));
    }

    @Test
    void aSweepFileIsReadStrictlyNamingTheKey() throws IOException {
        Path file = dir.resolve("sweep.json");
        Files.writeString(file, "{\"output\": \"s\", \"base\": {\"method\": {\"name\": \"mhr\"}},"
                + " \"axes\": {\"method.heads\": [1, 4]}, \"seeds\": [0, 1], \"retries\": 0}");
        SweepConfig read = SweepConfig.read(file, null);
        assertEquals(dir.resolve("s"), read.output());
        assertEquals(4, read.sweep().cells().size());
        assertEquals(4, read.sweep().cells().get(3).config().method().toJson().get("heads").asInt());

        Files.writeString(file, "{\"output\": \"s\", \"axis\": {}}");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> SweepConfig.read(file, null));
        assertTrue(unknown.getMessage().startsWith(file + ": axis: unknown key"), unknown.getMessage());
        Files.writeString(file, "{\"output\": \"s\", \"base\": {\"multitask\": {\"stepz\": 3}}}");
        IllegalArgumentException nested = assertThrows(IllegalArgumentException.class, () -> SweepConfig.read(file, null));
        assertTrue(nested.getMessage().startsWith(file + ": base.multitask.stepz: unknown key"), nested.getMessage());
        Files.writeString(file, "{\"output\": \"s\", \"axes\": {\"multitask.steps\": [3, -1]}}");
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class, () -> SweepConfig.read(file, null));
        assertTrue(value.getMessage().startsWith(file + ": axes.multitask.steps[1]: "), value.getMessage());
    }

    /** Tuning chooses on validation tasks (the suite's leftover compositions) and reports on test tasks. */
    @Test
    void tuningChoosesOnValidationTasksAndReportsOnTestTasks() {
        Tuning.Result r = Tuning.run(Sweep.of(base.with("method.name", "poly").with("seeds", List.of(0)))
                .axis("multitask.routing_lr", 0.1, 1.0).master("local[2]").store(dir.resolve("tune")));
        SkillComp data = SkillComp.generate(SMALL, 5);
        List<String> validationTasks = data.validation().stream().map(t -> t.name()).toList();
        assertTrue(!validationTasks.isEmpty());
        assertTrue(r.validation().table().columnNames().containsAll(validationTasks));
        assertTrue(r.test().table().columnNames().containsAll(data.suite().heldoutNames()));
        assertTrue(java.util.Collections.disjoint(r.validation().table().columnNames(), data.suite().heldoutNames()));
        var summary = r.validation().summary();
        int best = summary.doubleColumn("mean_accuracy").getDouble(1) > summary.doubleColumn("mean_accuracy").getDouble(0)
                ? 1 : 0;
        assertEquals(summary.doubleColumn("multitask.routing_lr").getDouble(best),
                r.chosen().get("poly").multitask().routingLr(), 1e-6);
        assertEquals(org.routelab.experiment.Split.TEST, r.chosen().get("poly").split());
        assertEquals(1, r.table().rowCount());
        assertEquals(r.test().records().get(0).meanAccuracy(), r.table().doubleColumn("test_accuracy").getDouble(0));
    }

    private static String csv(SweepResult r) {
        var out = new java.io.StringWriter();
        r.table().write().csv(out);
        return out.toString();
    }

    /** The process ids of the cell JVMs that wrote a store's cell logs. */
    private static Set<String> cellJvms(Path store) {
        Set<String> pids = new TreeSet<>();
        try (var logs = Files.list(store.resolve("logs"))) {
            for (Path log : logs.toList()) {
                for (String line : Files.readAllLines(log)) {
                    int at = line.indexOf(" in cell JVM ");
                    if (line.startsWith("cell ") && at > 0) {
                        pids.add(line.substring(at + " in cell JVM ".length()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(!pids.isEmpty(), "no cell log names its JVM under " + store);
        return pids;
    }
}
