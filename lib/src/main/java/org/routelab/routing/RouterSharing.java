package org.routelab.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Hands out routers while adapters are injected: projections in the same {@link Granularity} group
 * get the same router, and the first of each group owns it (registers it in the model tree).
 */
public final class RouterSharing {
    private final Granularity granularity;
    private final Map<String, Router> byGroup = new HashMap<>();

    /**
     * Creates an empty assignment.
     *
     * @param granularity which projections share a router
     */
    public RouterSharing(Granularity granularity) {
        this.granularity = granularity;
    }

    /** A projection's router and whether its adapter owns it. */
    public record Assignment(Router router, boolean owner) {}

    /**
     * Returns the router of a projection's group, creating it for the group's first projection.
     *
     * @param projectionPath the projection's dotted path
     * @param create makes the group's router
     * @return the router and ownership
     */
    public Assignment assign(String projectionPath, Supplier<Router> create) {
        String key = granularity.groupKey(projectionPath);
        Router known = byGroup.get(key);
        if (known != null) {
            return new Assignment(known, false);
        }
        Router r = create.get();
        byGroup.put(key, r);
        return new Assignment(r, true);
    }

    /** Returns the number of routers handed out. */
    public int routerCount() {
        return byGroup.size();
    }
}
