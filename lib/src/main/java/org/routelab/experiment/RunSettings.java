package org.routelab.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.routelab.data.JsonlTasks;

/**
 * The normalised config of a run: every key that decides its results, by its dotted path in {@code
 * run.json} (e.g. {@code multitask.lr}), with its value after defaults were applied (a learning rate left
 * to the method is its number), plus digests of the data ({@code data.training}, {@code data.heldout}).
 * Keys that do not change results (the name, the description, the device, the checkpoint and snapshot
 * intervals) are not part of it. Keys of {@code adaptation}, the {@code seeds} and the held-out data
 * belong to the {@link Phase#ADAPTATION adaptation} phase, all others to the {@link Phase#MULTITASK
 * multi-task} phase, whose outcome adaptation starts from.
 *
 * @param values the values by key, sorted
 */
public record RunSettings(SortedMap<String, JsonNode> values) {
    /** Keys of an experiment config that do not change its results. */
    private static final Set<String> NEUTRAL = Set.of("description", "name", "device", "multitask.checkpoint_every",
            "multitask.snapshot_every");

    /** The two phases of a run, each with the keys that decide its outcome. */
    public enum Phase {
        /** Multi-task training: the backbone, the training data, the method and its training. */
        MULTITASK,
        /** Few-shot adaptation and evaluation on the held-out tasks. */
        ADAPTATION;

        /** Returns the section name of this phase in a run folder's record. */
        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Copies the values. */
    public RunSettings {
        values = new TreeMap<>(values);
    }

    /**
     * Returns the settings of an experiment.
     *
     * @param experiment the experiment (its config and its suite)
     * @return the settings
     */
    public static RunSettings of(Experiment experiment) {
        ExperimentConfig config = experiment.config();
        ObjectNode tree = config.toJson();
        ((ObjectNode) tree.get("multitask")).put("lr", config.multitaskLearningRate());
        ((ObjectNode) tree.get("adaptation")).put("lr", config.adaptationLearningRate());
        if (!config.suite().equals(ExperimentConfig.SKILLCOMP)) {
            tree.remove("suite_seed");
        }
        SortedMap<String, JsonNode> values = new TreeMap<>();
        flatten(tree, "", values);
        values.keySet().removeAll(NEUTRAL);
        JsonNodeFactory json = JsonNodeFactory.instance;
        values.put("data.training", json.textNode(JsonlTasks.digest(experiment.suite().training())));
        values.put("data.heldout", json.textNode(JsonlTasks.digest(experiment.suite().heldout())));
        return new RunSettings(values);
    }

    /** Puts every leaf under its dotted path; nulls (a default left to the backbone) are left out. */
    private static void flatten(JsonNode node, String path, Map<String, JsonNode> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out);
            }
        } else if (!node.isNull()) {
            out.put(path, node);
        }
    }

    /**
     * Returns the phase a key belongs to.
     *
     * @param key a dotted key
     * @return its phase
     */
    public static Phase phaseOf(String key) {
        return key.startsWith("adaptation.") || key.equals("seeds") || key.equals("data.heldout")
                ? Phase.ADAPTATION : Phase.MULTITASK;
    }

    /**
     * Returns the keys of one phase with their values.
     *
     * @param phase the phase
     * @return a sorted copy
     */
    public SortedMap<String, JsonNode> of(Phase phase) {
        SortedMap<String, JsonNode> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (phaseOf(k) == phase) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * Returns the keys of one phase whose values differ between a recorded config and this one.
     *
     * @param recorded the values a run folder recorded for the phase
     * @param phase the phase
     * @return one {@code key: old -> new} line per differing key (absent keys shown as such)
     */
    public List<String> differences(Map<String, JsonNode> recorded, Phase phase) {
        SortedMap<String, JsonNode> mine = of(phase);
        TreeMap<String, JsonNode> all = new TreeMap<>(recorded);
        all.putAll(mine);
        List<String> out = new ArrayList<>();
        for (String key : all.keySet()) {
            JsonNode old = recorded.get(key);
            JsonNode now = mine.get(key);
            // Compared as JSON text: a number read back from the record equals the one resolved now.
            if (!Objects.equals(String.valueOf(old), String.valueOf(now))) {
                out.add(key + ": " + (old == null ? "(absent)" : old) + " -> " + (now == null ? "(absent)" : now));
            }
        }
        return out;
    }

    /**
     * Returns a phase's values as a JSON object, in key order (the form a run folder records).
     *
     * @param phase the phase
     * @return the object
     */
    public ObjectNode toJson(Phase phase) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        of(phase).forEach(o::set);
        return o;
    }

    /**
     * Returns the SHA-256 of recorded sections as {@code sha256:hex}.
     *
     * @param sections the sections, e.g. the multi-task and adaptation values
     * @return the digest
     */
    static String digest(ObjectNode sections) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(sections.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
