package org.routelab.backbone.t5;

import ai.djl.ndarray.NDManager;
import org.routelab.nn.KvCache;

/**
 * Keys and values of an incremental T5 decode: self-attention entries grow by one position per step,
 * cross-attention entries are computed from the encoder output once.
 */
public final class T5DecodingCache implements AutoCloseable {
    private final NDManager manager;
    private final KvCache self;
    private final KvCache cross;

    /**
     * Creates an empty cache.
     *
     * @param parent the manager under which the cache's arrays are kept
     * @param layers the number of decoder blocks
     */
    public T5DecodingCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.self = new KvCache(manager, layers);
        this.cross = new KvCache(manager, layers);
    }

    KvCache self() {
        return self;
    }

    KvCache cross() {
        return cross;
    }

    /** Returns the number of decoded positions cached so far. */
    public int length() {
        return self.length();
    }

    /** Frees the cached arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
