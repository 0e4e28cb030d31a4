package org.routelab.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.util.ConfigBinding;

/**
 * A cell as it travels to whoever runs it (a Spark executor, or the plain loop): plain text and numbers,
 * so that it serialises anywhere; the experiment is rebuilt from its JSON where it runs.
 *
 * @param key the store key
 * @param axesJson the cell's axis values as a JSON object
 * @param seed the cell's seed, or null
 * @param configJson the experiment config as JSON
 * @param retries extra attempts after a failure
 * @param store the store folder
 */
public record CellTask(String key, String axesJson, Integer seed, String configJson, int retries, String store)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Returns the task of a cell.
     *
     * @param cell the cell
     * @param retries extra attempts after a failure
     * @param store the store
     * @return the task
     */
    public static CellTask of(Cell cell, int retries, SweepStore store) {
        try {
            return new CellTask(cell.key(), ConfigBinding.MAPPER.writeValueAsString(cell.axes()), cell.seed(),
                    ConfigBinding.MAPPER.writeValueAsString(cell.config().toJson()), retries, store.folder().toString());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the axis values. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Map<String, JsonNode> axes() {
        try {
            return ConfigBinding.MAPPER.readValue(axesJson, new TypeReference<LinkedHashMap<String, JsonNode>>() {});
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the experiment config. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public ExperimentConfig config() {
        try {
            return ExperimentConfig.fromJson(ConfigBinding.MAPPER.readTree(configJson), "");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
