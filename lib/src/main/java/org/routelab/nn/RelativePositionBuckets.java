package org.routelab.nn;

/**
 * T5's bucketing of relative positions (key position minus query position): small distances get
 * their own bucket, larger ones share logarithmically wider buckets up to {@code maxDistance}.
 * Bidirectional (encoder) bucketing spends half the buckets on each sign; causal (decoder) bucketing
 * maps every future position to bucket 0.
 */
public final class RelativePositionBuckets {
    private RelativePositionBuckets() {}

    /**
     * Returns the bucket of one relative position. The logarithmic part is computed in float32, as
     * the reference does, so bucket boundaries agree exactly.
     *
     * @param relativePosition key position minus query position
     * @param bidirectional true for the encoder, false for causal attention
     * @param numBuckets the number of buckets
     * @param maxDistance the distance from which positions share the last bucket
     * @return the bucket index in {@code [0, numBuckets)}
     */
    public static int bucket(int relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
        int bucket = 0;
        int n = numBuckets;
        int distance;
        if (bidirectional) {
            n /= 2;
            if (relativePosition > 0) {
                bucket += n;
            }
            distance = Math.abs(relativePosition);
        } else {
            distance = -Math.min(relativePosition, 0);
        }
        int maxExact = n / 2;
        if (distance < maxExact) {
            return bucket + distance;
        }
        float ratio = (float) Math.log((float) distance / (float) maxExact);
        float scaled = ratio / (float) Math.log((double) maxDistance / maxExact) * (float) (n - maxExact);
        return bucket + Math.min(maxExact + (int) scaled, n - 1);
    }

    /**
     * Returns the buckets of a query block against all keys, row-major {@code [queries, keys]}.
     *
     * @param queryOffset absolute position of the first query (the cache length when decoding)
     * @param queries the number of queries
     * @param keys the number of keys, positions {@code 0..keys-1}
     * @param bidirectional true for the encoder, false for causal attention
     * @param numBuckets the number of buckets
     * @param maxDistance the distance from which positions share the last bucket
     * @return bucket indices
     */
    public static int[] matrix(
            int queryOffset, int queries, int keys, boolean bidirectional, int numBuckets, int maxDistance) {
        int[] out = new int[queries * keys];
        for (int i = 0; i < queries; i++) {
            for (int j = 0; j < keys; j++) {
                out[i * keys + j] = bucket(j - (queryOffset + i), bidirectional, numBuckets, maxDistance);
            }
        }
        return out;
    }
}
