package org.routelab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.backbone.checkpoint.SafetensorsFile;
import org.routelab.backbone.checkpoint.SafetensorsWriter;
import org.routelab.nn.Parameter;
import org.routelab.util.AtomicFiles;

/**
 * Training checkpoints in {@code <run>/checkpoints/step-NNNNNNN/}: the trainable parameters
 * ({@code weights.safetensors}), the optimiser state ({@code optimizer.safetensors}) and the trainer
 * state ({@code trainer.json}). A checkpoint is written into a temporary folder and renamed into
 * place, then {@code latest} is replaced atomically, so a crash leaves the previous one usable.
 */
public final class TrainingCheckpoint {
    private static final String LATEST = "latest";
    private static final String TRAINER_STATE = "trainer.json";
    /** What a user can do about a checkpoint that cannot be read. */
    private static final String RECOVERY = "point " + LATEST + " at an older step-NNNNNNN folder to resume from it,"
            + " or start over (--restart moves the run aside)";

    private final Path root;

    /**
     * Addresses the checkpoints of a run.
     *
     * @param runDirectory the run's output folder
     */
    public TrainingCheckpoint(Path runDirectory) {
        this.root = runDirectory.resolve("checkpoints");
    }

    /** Returns the folder holding the checkpoints. */
    public Path root() {
        return root;
    }

    /**
     * Writes a checkpoint and keeps only the newest {@code keep} ones.
     *
     * @param step the number of completed steps
     * @param trainable the trainable parameters by path
     * @param optimizer the optimiser whose state is saved
     * @param trainerState what the trainer needs to resume (seed, configuration)
     * @param keep how many checkpoints to keep (at least 1)
     * @return the checkpoint's folder
     * @throws IOException if writing fails; the previous checkpoint stays intact
     */
    public Path write(int step, Map<String, Parameter> trainable, Optimizer optimizer, JsonObject trainerState,
            int keep) throws IOException {
        Files.createDirectories(root);
        String name = String.format("step-%07d", step);
        Path target = root.resolve(name);
        Path tmp = Files.createTempDirectory(root, name + ".tmp");
        try {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            trainable.forEach((k, p) -> weights.put(k, p.array()));
            SafetensorsWriter.write(tmp.resolve("weights.safetensors"), weights);
            SafetensorsWriter.write(tmp.resolve("optimizer.safetensors"), optimizer.state());
            JsonObject state = trainerState.deepCopy();
            state.addProperty("step", step);
            AtomicFiles.writeString(tmp.resolve(TRAINER_STATE), state.toString());
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
        AtomicFiles.writeString(root.resolve(LATEST), name);
        List<Path> all = list();
        for (int i = 0; i < all.size() - Math.max(1, keep); i++) {
            deleteTree(all.get(i));
        }
        return target;
    }

    /**
     * Returns the newest checkpoint, if any.
     *
     * @return the folder named by {@code latest}
     * @throws CheckpointException if {@code latest} names a folder that is missing
     */
    public Optional<Path> latest() {
        Path pointer = root.resolve(LATEST);
        if (!Files.exists(pointer)) {
            return Optional.empty();
        }
        try {
            Path dir = root.resolve(Files.readString(pointer).trim());
            if (!Files.isRegularFile(dir.resolve(TRAINER_STATE))) {
                throw new CheckpointException(pointer + " names " + dir + ", which holds no " + TRAINER_STATE
                        + "; " + RECOVERY);
            }
            return Optional.of(dir);
        } catch (IOException e) {
            throw unreadable(pointer, e);
        }
    }

    /**
     * Returns how many steps the newest checkpoint completed, if there is one.
     *
     * @return the {@code step} of the newest checkpoint's {@code trainer.json}
     * @throws CheckpointException naming the file and what to do when it cannot be read
     */
    public Optional<Integer> completedSteps() {
        Optional<Path> latest = latest();
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        Path file = latest.get().resolve(TRAINER_STATE);
        try {
            return Optional.of(JsonParser.parseString(Files.readString(file)).getAsJsonObject().get("step").getAsInt());
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * Restores a checkpoint into parameters and an optimiser.
     *
     * @param dir the checkpoint folder
     * @param trainable the trainable parameters by path; every one must be in the checkpoint
     * @param optimizer receives the saved state
     * @return the trainer state, including {@code step}
     * @throws CheckpointException naming the file and tensor when something does not match
     */
    public static JsonObject restore(Path dir, Map<String, Parameter> trainable, Optimizer optimizer) {
        try (SafetensorsFile weights = SafetensorsFile.open(dir.resolve("weights.safetensors"));
                SafetensorsFile opt = SafetensorsFile.open(dir.resolve("optimizer.safetensors"))) {
            if (!weights.names().equals(trainable.keySet())) {
                throw new CheckpointException(weights.path() + " holds " + weights.names().size()
                        + " trainable tensors that differ from the model's " + trainable.size()
                        + "; was it written by a different method or configuration?");
            }
            for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                Parameter p = e.getValue();
                if (!weights.info(e.getKey()).shape().equals(p.shape())) {
                    throw new CheckpointException(weights.path() + ": tensor '" + e.getKey() + "' has shape "
                            + weights.info(e.getKey()).shape() + ", the model expects " + p.shape());
                }
                p.set(weights.read(e.getKey(), p.array().getDataType(), p.array().getManager()));
            }
            try (NDManager scope = NDManager.newBaseManager()) {
                Map<String, NDArray> state = new LinkedHashMap<>();
                for (String name : opt.names()) {
                    state.put(name, opt.read(name, opt.info(name).dtype().dataType(), scope));
                }
                optimizer.loadState(state);
            }
            return JsonParser.parseString(Files.readString(dir.resolve(TRAINER_STATE))).getAsJsonObject();
        } catch (CheckpointException e) {
            throw new CheckpointException(e.getMessage() + "; " + RECOVERY, e);
        } catch (IOException | RuntimeException e) {
            throw unreadable(dir, e);
        }
    }

    private static CheckpointException unreadable(Path file, Exception e) {
        return new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage() + "; " + RECOVERY, e);
    }

    private List<Path> list() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{7}") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .collect(Collectors.toList());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
