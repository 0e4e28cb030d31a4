package org.routelab.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.routelab.experiment.RunSettings.Phase;
import org.routelab.train.LearningRateSchedule;
import org.routelab.train.TrainerConfig;
import org.routelab.train.TrainingCheckpoint;
import org.routelab.util.AtomicFiles;
import org.routelab.util.ConfigBinding;
import org.routelab.util.FolderLock;

/**
 * A run folder opened by one command. It records the config that made it ({@value #RECORD}: the
 * {@link RunSettings} of each phase that ran, with a digest), and a command whose config differs
 * from the record in anything that changes the results is refused, naming the differing keys with
 * their old and new values. {@code restart} moves the old contents aside into {@value #SUPERSEDED}
 * (never deleting them) and starts over. Lengthening or shortening multi-task training is accepted
 * where it is well-defined: when the learning-rate factors of the steps already completed are the
 * same under both lengths, so that the continued run is exactly a run of the new length.
 *
 * <p>{@code train} and {@code adapt} hold the folder's {@link FolderLock} while they work (one writer
 * per folder); a lock left by a killed process is taken over. {@code eval} only reads.
 */
public final class RunFolder implements AutoCloseable {
    /** The record of the config that made the run. */
    public static final String RECORD = "run-config.json";
    /** Where replaced contents go, one subfolder per replacement named by its UTC time. */
    public static final String SUPERSEDED = "superseded";

    /** The commands that open a run folder. */
    public enum Command {
        /** Multi-task training: checks and records the multi-task settings. */
        TRAIN,
        /** Few-shot adaptation: needs matching multi-task settings; checks and records its own. */
        ADAPT,
        /** Scoring the multi-task model: needs matching multi-task settings; writes nothing. */
        EVAL
    }

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final FolderLock lock;

    private RunFolder(Path dir, FolderLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /** Returns the folder. */
    public Path path() {
        return dir;
    }

    /**
     * Takes a folder's lock without checking or recording a config (runs started from code, which
     * has no config file).
     *
     * @param dir the run folder, created if needed
     * @return the opened folder
     * @throws RunFolderException if another process holds it, or it cannot be created or written
     */
    public static RunFolder lock(Path dir) {
        return new RunFolder(dir, acquire(dir, message -> { }));
    }

    /**
     * Opens a run folder for a command: locks it (train, adapt), compares the recorded config with
     * {@code settings}, moves replaced contents aside when {@code restart} asks for it, and records the
     * settings. Everything here depends on the config and the folder only, so it runs before any
     * model is loaded.
     *
     * @param dir the run folder
     * @param settings the config of this command
     * @param command the command
     * @param restart whether to start the command's work over, moving what it replaces aside
     * @param notices receives one-line notes for the user (a lock taken over, steps extended)
     * @return the opened folder; close it when the command ends
     * @throws RunFolderException naming the differing keys, the folder's holder, or the unreadable file
     */
    public static RunFolder open(Path dir, RunSettings settings, Command command, boolean restart,
            Consumer<String> notices) {
        FolderLock lock = command == Command.EVAL ? null : acquire(dir, notices);
        try {
            RunFolder folder = new RunFolder(dir, lock);
            folder.check(settings, command, restart, notices);
            return folder;
        } catch (RuntimeException e) {
            release(lock);
            throw e;
        }
    }

    @Override
    public void close() {
        release(lock);
    }

    private void check(RunSettings settings, Command command, boolean restart, Consumer<String> notices) {
        if (restart && command == Command.TRAIN) {
            moveAside(contents(), true, notices);
        }
        Optional<ObjectNode> record = readRecord();
        // Adaptation starts from fresh or imported adapters when there is no multi-task training to run.
        boolean fresh = settings.values().get("multitask.steps").asInt() == 0 || settings.values().containsKey("adapters");
        List<Path> contents = contents();
        // A record without contents (a command that stopped before making anything) protects nothing.
        if (record.isEmpty() || contents.isEmpty()) {
            if (record.isEmpty() && !contents.isEmpty()) {
                throw new RunFolderException(dir + " holds " + names(contents) + " but no " + RECORD
                        + ", so the config that made them cannot be checked; --restart moves them aside (into "
                        + dir.resolve(SUPERSEDED) + ") and starts over");
            }
            if (command != Command.TRAIN && !fresh) {
                throw new RunFolderException("no finished multi-task training in " + dir.resolve(MultitaskPhase.DIR)
                        + "; run train first");
            }
            if (command != Command.EVAL) {
                write(settings.toJson(Phase.MULTITASK), null);
            }
            return;
        }
        ObjectNode recorded = record.get();
        List<String> differences = settings.differences(section(recorded, Phase.MULTITASK), Phase.MULTITASK);
        if (!differences.isEmpty()) {
            if (command == Command.TRAIN && onlyStepsDiffer(differences)) {
                extend(recorded, settings, notices);
                return;
            }
            throw new RunFolderException(dir + " was trained with another config (" + dir.resolve(RECORD) + "): "
                    + String.join("; ", differences) + ". "
                    + (command == Command.TRAIN ? "Pass --restart to move the old run aside and start over,"
                            : "Run train --restart with this config first,")
                    + " or use another output folder");
        }
        if (command == Command.ADAPT) {
            Path results = dir.resolve(ResultFiles.JSON);
            JsonNode adaptation = recorded.get(Phase.ADAPTATION.key());
            List<String> changed = adaptation == null ? List.of()
                    : settings.differences(section(recorded, Phase.ADAPTATION), Phase.ADAPTATION);
            if (Files.exists(results) && (adaptation == null || !changed.isEmpty())) {
                if (!restart) {
                    throw new RunFolderException(results + " was made with another adaptation config"
                            + (adaptation == null ? " (none is recorded)" : ": " + String.join("; ", changed))
                            + ". Pass --restart to move the old results aside, or use another output folder");
                }
                moveAside(List.of(results, dir.resolve(ResultFiles.CSV)), false, notices);
            }
            write((ObjectNode) recorded.get(Phase.MULTITASK.key()), settings.toJson(Phase.ADAPTATION));
        }
    }

    private static boolean onlyStepsDiffer(List<String> differences) {
        return differences.size() == 1 && differences.get(0).startsWith("multitask.steps: ");
    }

    /**
     * Accepts a new multi-task length when every completed step ran at the learning-rate factor the
     * new length gives it (the schedule's warm-up and decay depend on the length).
     */
    private void extend(ObjectNode recorded, RunSettings settings, Consumer<String> notices) {
        int before = section(recorded, Phase.MULTITASK).get("multitask.steps").asInt();
        int after = settings.values().get("multitask.steps").asInt();
        Path multitask = dir.resolve(MultitaskPhase.DIR);
        int completed = new TrainingCheckpoint(multitask).completedSteps().orElse(0);
        Optional<Integer> firstDifferent = completed > after ? Optional.of(after)
                : LearningRateSchedule.firstDifference(schedule(before), schedule(after), completed);
        if (firstDifferent.isPresent()) {
            int step = firstDifferent.get();
            throw new RunFolderException(dir + " holds " + completed + " completed steps of a " + before
                    + "-step multi-task training; multitask.steps: " + before + " -> " + after + " cannot continue it: "
                    + (completed > after ? "it is already past step " + after
                            : "the learning-rate schedule (warm-up, then linear decay to 0 at the last step) of step "
                                    + (step + 1) + " differs between the two lengths")
                    + ". Pass --restart to move the old run aside and start over, or use another output folder");
        }
        List<Path> outdated = Stream.of(multitask.resolve(Multitask.SUMMARY), multitask.resolve(Multitask.WEIGHTS),
                dir.resolve(ResultFiles.JSON), dir.resolve(ResultFiles.CSV)).filter(Files::exists).toList();
        moveAside(outdated, false, notices);
        write(settings.toJson(Phase.MULTITASK), null);
        notices.accept("multitask.steps: " + before + " -> " + after + ": the " + completed + " completed steps ran"
                + " with the same learning rates under both lengths, so training continues from them");
    }

    /** The multi-task schedule of a length, as {@link MultitaskPhase} trains it. */
    private static LearningRateSchedule schedule(int steps) {
        return LearningRateSchedule.withWarmupFraction(Math.max(1, steps),
                TrainerConfig.papers(Math.max(1, steps), MultitaskPhase.SEED).warmupFraction());
    }

    private Optional<ObjectNode> readRecord() {
        Path file = dir.resolve(RECORD);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode o = ConfigBinding.MAPPER.readTree(Files.readString(file));
            if (o == null || !o.path(Phase.MULTITASK.key()).isObject()) {
                throw new IllegalStateException("no \"" + Phase.MULTITASK.key() + "\" section");
            }
            return Optional.of((ObjectNode) o);
        } catch (IOException | RuntimeException e) {
            throw new RunFolderException("cannot read " + file + " (" + e.getMessage() + "); it records the"
                    + " config of the run; --restart moves the run aside and starts over", e);
        }
    }

    private static Map<String, JsonNode> section(ObjectNode record, Phase phase) {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        JsonNode o = record.get(phase.key());
        if (o != null) {
            o.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        }
        return out;
    }

    private void write(ObjectNode multitask, ObjectNode adaptation) {
        ObjectNode sections = JsonNodeFactory.instance.objectNode();
        sections.set(Phase.MULTITASK.key(), multitask);
        if (adaptation != null) {
            sections.set(Phase.ADAPTATION.key(), adaptation);
        }
        ObjectNode record = JsonNodeFactory.instance.objectNode();
        record.put("digest", RunSettings.digest(sections));
        record.setAll(sections);
        try {
            AtomicFiles.writeString(dir.resolve(RECORD), ConfigBinding.MAPPER.writeValueAsString(record) + "\n");
        } catch (IOException e) {
            throw new RunFolderException("cannot write " + dir.resolve(RECORD) + ": " + e, e);
        }
    }

    /** What the folder holds besides its lock, its record, the config's copy and what was moved aside. */
    private List<Path> contents() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String name = p.getFileName().toString();
                return !name.equals(FolderLock.FILE) && !name.equals(RECORD) && !name.equals(SUPERSEDED)
                        && !name.equals(RunConfig.COPY);
            }).sorted().toList();
        } catch (IOException e) {
            throw new RunFolderException("cannot list " + dir + ": " + e, e);
        }
    }

    /**
     * Moves files of the folder into a new {@code superseded/<time>} folder, keeping their relative
     * paths, with a copy of the record that describes them (the record itself when {@code whole}).
     */
    private void moveAside(List<Path> files, boolean whole, Consumer<String> notices) {
        List<Path> present = new ArrayList<>(files.stream().filter(Files::exists).toList());
        Path record = dir.resolve(RECORD);
        if (present.isEmpty() && !(whole && Files.exists(record))) {
            return;
        }
        Path target = dir.resolve(SUPERSEDED).resolve(STAMP.format(Instant.now()));
        try {
            for (int i = 1; Files.exists(target); i++) {
                target = target.resolveSibling(STAMP.format(Instant.now()) + "-" + i);
            }
            Files.createDirectories(target);
            // The record describes what is moved: it goes along (copied when part of the run stays).
            if (Files.exists(record)) {
                if (whole) {
                    present.add(record);
                } else {
                    Files.copy(record, target.resolve(RECORD));
                }
            }
            for (Path p : present) {
                Path to = target.resolve(dir.relativize(p));
                Files.createDirectories(to.getParent());
                Files.move(p, to);
            }
        } catch (IOException e) {
            throw new RunFolderException("cannot move the old contents of " + dir + " aside into " + target + ": " + e, e);
        }
        notices.accept("moved the old " + names(present) + " of " + dir + " aside into " + target);
    }

    private String names(List<Path> files) {
        return String.join(", ", files.stream().map(p -> dir.relativize(p).toString()).toList());
    }

    private static FolderLock acquire(Path dir, Consumer<String> notices) {
        try {
            FolderLock lock = FolderLock.acquire(dir);
            lock.previousHolder().ifPresent(pid -> notices.accept("took over " + dir.resolve(FolderLock.FILE)
                    + " from process " + pid + ", which ended without releasing it"));
            return lock;
        } catch (FolderLock.Held e) {
            throw new RunFolderException(e.getMessage() + "; wait until it ends or stop it", e);
        } catch (FileSystemException e) {
            throw new RunFolderException("cannot use " + dir + " as a run folder: " + e.getClass().getSimpleName()
                    .replace("Exception", "") + " " + e.getFile() + (e.getReason() == null ? "" : " (" + e.getReason() + ")")
                    + "; choose another output folder", e);
        } catch (IOException e) {
            throw new RunFolderException("cannot use " + dir + " as a run folder: " + e.getMessage(), e);
        }
    }

    private static void release(FolderLock lock) {
        if (lock == null) {
            return;
        }
        try {
            lock.close();
        } catch (IOException e) {
            // The operating system drops the lock at exit anyway; nothing is lost.
        }
    }
}
