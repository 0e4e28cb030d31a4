package org.routelab.experiment;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The normalised config of a run: every key that decides its results, by its dotted path in {@code
 * run.json} (e.g. {@code multitask.lr}), with its value after defaults were applied, plus digests of
 * the data. Keys that do not change results (the name, the description, the output folder, the
 * device, the checkpoint interval) are not part of it. Keys of {@code adaptation}, the {@code seeds}
 * and the held-out data belong to the {@link Phase#ADAPTATION adaptation} phase, all others to the
 * {@link Phase#MULTITASK multi-task} phase, whose outcome adaptation starts from.
 *
 * @param values the values by key, sorted
 */
public record RunSettings(SortedMap<String, JsonElement> values) {

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
    public SortedMap<String, JsonElement> of(Phase phase) {
        SortedMap<String, JsonElement> out = new TreeMap<>();
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
    public List<String> differences(Map<String, JsonElement> recorded, Phase phase) {
        SortedMap<String, JsonElement> mine = of(phase);
        TreeMap<String, JsonElement> all = new TreeMap<>(recorded);
        all.putAll(mine);
        List<String> out = new ArrayList<>();
        for (String key : all.keySet()) {
            JsonElement old = recorded.get(key);
            JsonElement now = mine.get(key);
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
    public JsonObject toJson(Phase phase) {
        JsonObject o = new JsonObject();
        of(phase).forEach(o::add);
        return o;
    }

    /**
     * Returns the SHA-256 of recorded sections, in the order given, as {@code sha256:hex}.
     *
     * @param sections the sections, e.g. the multi-task and adaptation values
     * @return the digest
     */
    static String digest(JsonObject sections) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(sections.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
