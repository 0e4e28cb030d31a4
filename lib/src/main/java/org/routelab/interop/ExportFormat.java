package org.routelab.interop;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The layouts {@link AdapterExport} writes. */
public enum ExportFormat {
    /** PEFT's adapter folder (LORA or POLY); other methods fall back to {@link #ROUTELAB}, saying so. */
    PEFT,
    /** A complete Hugging Face model folder with the adapters merged into the weights. */
    MERGED,
    /** RouteLab's own adapter layout ({@link RouteLabExport}). */
    ROUTELAB;

    /**
     * Parses a name (case-insensitive): peft, merged or routelab.
     *
     * @param name the name
     * @return the format
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static ExportFormat parse(String name) {
        for (ExportFormat f : values()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown export format '" + name + "'; expected one of "
                + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
