package org.routelab.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import org.routelab.util.AtomicFiles;

/**
 * The {@code metrics.jsonl} of a run: one JSON object per step with the step, loss, learning rate
 * of each group, throughput and elapsed time. Opening it for a resumed run first drops the lines of
 * steps after the checkpoint, so the log matches the weights.
 */
public final class MetricsLog implements AutoCloseable {
    /** The log's file name in a run folder. */
    public static final String FILE = "metrics.jsonl";

    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Reads the loss of every logged step.
     *
     * @param file a {@code metrics.jsonl}
     * @return the losses in step order
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and line when a line is not a step record
     */
    public static List<Float> losses(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            List<Float> out = new java.util.ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    out.add(JsonParser.parseString(lines.get(i)).getAsJsonObject().get("loss").getAsFloat());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": not a step record with a loss", e);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics log " + file, e);
        }
    }

    static MetricsLog open(Path file, int resumedStep) {
        try {
            Files.createDirectories(file.getParent());
            if (Files.exists(file)) {
                List<String> kept = Files.readAllLines(file).stream()
                        .filter(l -> !l.isBlank()
                                && JsonParser.parseString(l).getAsJsonObject().get("step").getAsInt() <= resumedStep)
                        .collect(Collectors.toList());
                AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            }
            return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file, e);
        }
    }

    void append(Trainer.StepReport report, List<ParameterGroup> groups) {
        JsonObject line = new JsonObject();
        line.addProperty("step", report.step());
        line.addProperty("loss", report.loss());
        for (ParameterGroup g : groups) {
            line.addProperty("lr_" + g.name(), g.learningRate() * report.learningRateFactor());
        }
        line.addProperty("tokens_per_s", Math.round(report.tokensPerSecond() * 10) / 10.0);
        line.addProperty("elapsed_s", Math.round(report.elapsedSeconds() * 1000) / 1000.0);
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
