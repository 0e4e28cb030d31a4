package org.routelab.routing;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which adapted projections share one router, read from the projection's Hugging Face path: the
 * routing-granularity ablation of the MHR paper is a change of this one value.
 */
public enum Granularity {
    /** One router per adapted projection (Poly's and MHR's default). */
    LAYER,
    /** One per transformer sub-layer: the module holding the projection (e.g. {@code SelfAttention}). */
    SUBLAYER,
    /** One per transformer block ({@code encoder.block.3}, {@code model.layers.3}). */
    BLOCK,
    /** One per stack: encoder and decoder each (the first path segment). */
    STACK,
    /** One router for the whole model. */
    MODEL;

    private static final Pattern BLOCK_PATH = Pattern.compile("^(.*?\\.(?:block|layers|h)\\.\\d+)\\.");

    /**
     * Returns the key of the sharing group a projection belongs to.
     *
     * @param projectionPath the projection's dotted path, e.g. {@code encoder.block.0.layer.0.SelfAttention.q}
     * @return projections with equal keys share a router
     * @throws IllegalArgumentException if the path has no part this granularity needs
     */
    public String groupKey(String projectionPath) {
        int lastDot = projectionPath.lastIndexOf('.');
        switch (this) {
            case LAYER:
                return projectionPath;
            case SUBLAYER:
                if (lastDot < 0) {
                    throw new IllegalArgumentException("projection '" + projectionPath + "' has no parent module"
                            + " for granularity 'sublayer'");
                }
                return projectionPath.substring(0, lastDot);
            case BLOCK:
                Matcher m = BLOCK_PATH.matcher(projectionPath);
                if (!m.find()) {
                    throw new IllegalArgumentException("projection '" + projectionPath + "' is in no numbered block"
                            + " (block.N, layers.N or h.N) for granularity 'block'");
                }
                return m.group(1);
            case STACK:
                return lastDot < 0 ? "" : projectionPath.substring(0, projectionPath.indexOf('.'));
            case MODEL:
                return "";
            default:
                throw new AssertionError(this);
        }
    }

    /**
     * Parses a granularity name (case-insensitive): layer, sublayer, block, stack or model.
     *
     * @param name the name
     * @return the granularity
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static Granularity parse(String name) {
        for (Granularity g : values()) {
            if (g.name().equalsIgnoreCase(name)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown routing granularity '" + name + "'; expected one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
