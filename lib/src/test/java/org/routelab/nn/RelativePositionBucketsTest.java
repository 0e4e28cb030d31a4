package org.routelab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RelativePositionBucketsTest {
    // Values worked out by hand from the bucketing rule, with T5's defaults (32 buckets, distance 128).
    @Test
    void bidirectionalBucketsMatchHandComputedValues() {
        // 16 buckets per direction, 8 exact ones; positive (later key) positions are offset by 16.
        assertEquals(0, RelativePositionBuckets.bucket(0, true, 32, 128));
        assertEquals(3, RelativePositionBuckets.bucket(-3, true, 32, 128));
        assertEquals(19, RelativePositionBuckets.bucket(3, true, 32, 128));
        assertEquals(7, RelativePositionBuckets.bucket(-7, true, 32, 128));
        assertEquals(8, RelativePositionBuckets.bucket(-8, true, 32, 128)); // 8 + log(1)
        assertEquals(10, RelativePositionBuckets.bucket(-20, true, 32, 128)); // 8 + floor(8 ln2.5/ln16 = 2.64)
        assertEquals(26, RelativePositionBuckets.bucket(20, true, 32, 128));
        assertEquals(15, RelativePositionBuckets.bucket(-200, true, 32, 128)); // capped at 15
        assertEquals(31, RelativePositionBuckets.bucket(200, true, 32, 128));
    }

    @Test
    void causalBucketsMatchHandComputedValues() {
        // All 32 buckets for the past, 16 exact ones; the future collapses to bucket 0.
        assertEquals(0, RelativePositionBuckets.bucket(5, false, 32, 128));
        assertEquals(0, RelativePositionBuckets.bucket(0, false, 32, 128));
        assertEquals(5, RelativePositionBuckets.bucket(-5, false, 32, 128));
        assertEquals(15, RelativePositionBuckets.bucket(-15, false, 32, 128));
        assertEquals(23, RelativePositionBuckets.bucket(-40, false, 32, 128)); // 16 + floor(16 ln2.5/ln8 = 7.05)
        assertEquals(31, RelativePositionBuckets.bucket(-127, false, 32, 128)); // 16 + floor(15.94)
        assertEquals(31, RelativePositionBuckets.bucket(-128, false, 32, 128)); // 16 + 16, capped
        assertEquals(31, RelativePositionBuckets.bucket(-5000, false, 32, 128));
    }

    @Test
    void matrixIsKeyMinusQueryWithOffset() {
        int[] m = RelativePositionBuckets.matrix(2, 1, 4, false, 32, 128);
        // query at absolute position 2 against keys 0..3: distances 2, 1, 0, future
        assertArrayEquals(new int[] {2, 1, 0, 0}, m);
        int[] e = RelativePositionBuckets.matrix(0, 2, 2, true, 32, 128);
        assertArrayEquals(new int[] {0, 17, 1, 0}, e);
    }
}
