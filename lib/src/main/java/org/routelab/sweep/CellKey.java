package org.routelab.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.util.ConfigBinding;

/**
 * The store key of an experiment: a digest of its normalised config, so that two cells that run the same
 * experiment share a result however their sweeps spelled it. Normalised means every key present with its
 * value (defaults included, as {@link ExperimentConfig#toJson} writes them), object keys sorted, and the
 * labels ({@code name}, {@code description}) left out since they change no number.
 */
public final class CellKey {
    /** Hex digits of the SHA-256 digest kept (64 bits: collisions are out of reach for any sweep). */
    private static final int LENGTH = 16;

    private CellKey() {}

    /**
     * Returns the key of an experiment.
     *
     * @param config the experiment
     * @return 16 lower-case hex digits
     */
    public static String of(ExperimentConfig config) {
        ObjectNode json = config.toJson();
        json.remove("name");
        json.remove("description");
        try {
            byte[] canonical = ConfigBinding.MAPPER.writer().without(
                    com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(sorted(json));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(digest).substring(0, LENGTH);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest a config", e);
        }
    }

    /** A copy with the keys of every object in sorted order. */
    static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = ConfigBinding.MAPPER.createObjectNode();
            for (String n : names) {
                out.set(n, sorted(node.get(n)));
            }
            return out;
        }
        if (node.isArray()) {
            var out = ConfigBinding.MAPPER.createArrayNode();
            node.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return node;
    }
}
