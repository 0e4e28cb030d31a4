package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Per-layer keys and values kept across decoding steps ({@code [B, H, L, D]} each). The arrays are
 * owned by the cache's manager so that per-step scopes can be closed without losing them.
 */
public final class KvCache {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    /**
     * Creates an empty cache.
     *
     * @param manager owns the cached arrays; close it to free the cache
     * @param layers the number of attention layers cached
     */
    public KvCache(NDManager manager, int layers) {
        this.manager = manager;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * Returns whether a layer has cached entries.
     *
     * @param layer the layer index
     * @return whether keys are cached
     */
    public boolean has(int layer) {
        return keys[layer] != null;
    }

    /**
     * Returns the cached keys of a layer as an array of the caller's scope: a view that shares the
     * cache's memory, so that operations on it (and the view itself) land in that scope and are freed
     * with it, instead of piling up in the cache's manager for the whole decode.
     *
     * @param layer the layer index
     * @param scope the manager of the current step
     * @return {@code [B, H, L, D]}
     */
    public NDArray keys(int layer, NDManager scope) {
        return view(keys[layer], scope);
    }

    /**
     * Returns the cached values of a layer as an array of the caller's scope (see {@link #keys}).
     *
     * @param layer the layer index
     * @param scope the manager of the current step
     * @return {@code [B, H, L, D]}
     */
    public NDArray values(int layer, NDManager scope) {
        return view(values[layer], scope);
    }

    private static NDArray view(NDArray cached, NDManager scope) {
        NDArray view = cached.reshape(cached.getShape());
        view.attach(scope);
        return view;
    }

    /**
     * Appends new keys and values along the sequence axis (or stores them for a fresh layer).
     *
     * @param layer the layer index
     * @param k new keys {@code [B, H, l, D]}
     * @param v new values {@code [B, H, l, D]}
     */
    public void append(int layer, NDArray k, NDArray v) {
        keys[layer] = grow(keys[layer], k);
        values[layer] = grow(values[layer], v);
    }

    private NDArray grow(NDArray old, NDArray fresh) {
        NDArray grown = old == null ? fresh.duplicate() : old.concat(fresh, 2);
        grown.attach(manager);
        if (old != null) {
            old.close();
        }
        return grown;
    }

    /** Returns the number of cached positions of layer 0 (0 when empty). */
    public int length() {
        return keys[0] == null ? 0 : (int) keys[0].getShape().get(2);
    }
}
