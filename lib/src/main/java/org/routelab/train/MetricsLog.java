package org.routelab.train;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.routelab.backbone.checkpoint.CheckpointException;
import org.routelab.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code metrics.jsonl} of a run: one JSON object per step with the step, loss, learning rate
 * of each group, throughput and elapsed time, and on a GPU the device's memory in use and in total.
 * Opening it for a resumed run first drops the lines of steps after the checkpoint, so the log matches
 * the weights, and a last line cut short by a crash or a full disk.
 */
public final class MetricsLog implements AutoCloseable {
    /** The log's file name in a run folder. */
    public static final String FILE = "metrics.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);

    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Reads the loss of every logged step. A last line cut short (a write interrupted by a crash or
     * a full disk) is left out, with a warning.
     *
     * @param file a {@code metrics.jsonl}
     * @return the losses in step order
     * @throws UncheckedIOException if the file cannot be read
     * @throws CheckpointException naming the file, the line and what to do when an earlier line is not
     *     a step record
     */
    public static List<Float> losses(Path file) {
        return records(file).stream().map(r -> r.get("loss").getAsFloat()).collect(Collectors.toList());
    }

    static MetricsLog open(Path file, int resumedStep) {
        try {
            Files.createDirectories(file.getParent());
            if (Files.exists(file)) {
                List<String> kept = records(file).stream().filter(r -> r.get("step").getAsInt() <= resumedStep)
                        .map(JsonObject::toString).collect(Collectors.toList());
                AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            }
            return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file, e);
        }
    }

    /** The step records of a log; see {@link #losses} for what is tolerated. */
    private static List<JsonObject> records(Path file) {
        String text;
        try {
            // Lenient decoding: a line cut inside a multi-byte character is reported below as cut short.
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics log " + file, e);
        }
        List<String> lines = text.lines().collect(Collectors.toList());
        int last = lines.size() - 1;
        while (last >= 0 && lines.get(last).isBlank()) {
            last--;
        }
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                JsonObject record = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                record.get("step").getAsInt();
                record.get("loss").getAsFloat();
                out.add(record);
            } catch (RuntimeException e) {
                if (i == last) {
                    LOG.warn("{} line {}: dropped a record cut short ({} characters), as a crash or a full disk"
                            + " leaves it", file, i + 1, lines.get(i).length());
                    break;
                }
                throw new CheckpointException(file + " line " + (i + 1) + ": not a step record with a step and a"
                        + " loss; delete that line to resume, or start over (--restart moves the run aside)", e);
            }
        }
        return out;
    }

    void append(Trainer.StepReport report, List<ParameterGroup> groups, Device device) {
        JsonObject line = new JsonObject();
        line.addProperty("step", report.step());
        line.addProperty("loss", report.loss());
        for (ParameterGroup g : groups) {
            line.addProperty("lr_" + g.name(), g.learningRate() * report.learningRateFactor());
        }
        line.addProperty("tokens_per_s", Math.round(report.tokensPerSecond() * 10) / 10.0);
        line.addProperty("elapsed_s", Math.round(report.elapsedSeconds() * 1000) / 1000.0);
        if (device.isGpu()) {
            // Device-wide figures from the CUDA driver: they include other processes on the same GPU.
            MemoryUsage memory = CudaUtils.getGpuMemory(device);
            line.addProperty("gpu_memory_used_mb", memory.getUsed() >> 20);
            line.addProperty("gpu_memory_total_mb", memory.getMax() >> 20);
        }
        try {
            out.write(line.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to metrics log", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics log", e);
        }
    }
}
