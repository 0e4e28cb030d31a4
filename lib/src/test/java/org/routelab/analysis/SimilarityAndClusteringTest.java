package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimilarityAndClusteringTest {
    @Test
    void cosineSimilarityOfEveryPair() {
        Similarity s = Similarity.cosine(List.of("x", "y", "-x", "0"),
                new double[][] {{1, 0}, {0, 2}, {-3, 0}, {0, 0}});
        assertEquals(1, s.matrix()[0][0], 1e-12);
        assertEquals(0, s.matrix()[0][1], 1e-12);
        assertEquals(-1, s.matrix()[0][2], 1e-12);
        assertEquals(0, s.matrix()[0][3], 1e-12);
        assertEquals(1, s.matrix()[3][3], 1e-12, "a zero vector is like itself only");
        assertEquals((0 - 1 + 0 + 0 + 0 + 0) * 2 / 12.0, s.meanOffDiagonal(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Similarity.cosine(List.of("a"), new double[][] {{1}, {2}}));
        assertThrows(IllegalArgumentException.class,
                () -> Similarity.cosine(List.of("a", "b"), new double[][] {{1}, {2, 3}}));
    }

    @Test
    void averageLinkageMergesTheClosestGroupsFirst() {
        // a1 ~ a2 and b1 ~ b2, far apart; c alone in between.
        Similarity s = Similarity.cosine(List.of("a1", "b1", "a2", "c", "b2"),
                new double[][] {{1, 0.05, 0}, {0, 1, 0.05}, {1, 0, 0.02}, {1, 1, 1}, {0.02, 1, 0}});
        Clustering c = Clustering.averageLinkage(s);
        assertEquals(4, c.merges().size());
        for (int m = 1; m < c.merges().size(); m++) {
            assertTrue(c.merges().get(m).height() >= c.merges().get(m - 1).height() - 1e-12, "heights never fall");
        }
        assertEquals(5, c.merges().get(3).size());
        int[] two = c.cut(2);
        int[] three = c.cut(3);
        assertEquals(three[0], three[2], "a1 and a2 together");
        assertEquals(three[1], three[4], "b1 and b2 together");
        assertNotEquals(three[0], three[1]);
        assertNotEquals(three[3], three[0]);
        assertNotEquals(three[3], three[1]);
        assertEquals(2, java.util.Arrays.stream(two).distinct().count());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0}, c.cut(1));
        assertEquals(5, java.util.Arrays.stream(c.cut(5)).distinct().count());
        List<Integer> order = c.leafOrder();
        assertEquals(5, order.stream().distinct().count());
        assertEquals(1, Math.abs(order.indexOf(0) - order.indexOf(2)), "a cluster is drawn as one run");
        assertEquals(1, Math.abs(order.indexOf(1) - order.indexOf(4)), "a cluster is drawn as one run");
        assertThrows(IllegalArgumentException.class, () -> c.cut(0));
    }

    @Test
    void oneLeafIsItsOwnTree() {
        Clustering c = Clustering.averageLinkage(Similarity.cosine(List.of("only"), new double[][] {{1}}));
        assertEquals(List.of(0), c.leafOrder());
        assertArrayEquals(new int[] {0}, c.cut(1));
    }

    @Test
    void centredCosineComparesDeviationsFromTheMean() {
        // All positive, so plain cosines are high; around their mean, a and b deviate alike, c opposite.
        Similarity s = Similarity.centredCosine(List.of("a", "b", "c"),
                new double[][] {{0.6, 0.4}, {0.7, 0.3}, {0.2, 0.8}});
        assertTrue(Similarity.cosine(List.of("a", "c"), new double[][] {{0.6, 0.4}, {0.2, 0.8}}).matrix()[0][1] > 0.7);
        assertEquals(1, s.matrix()[0][1], 1e-9);
        assertEquals(-1, s.matrix()[0][2], 1e-9);
    }

    @Test
    void meansOfRelatedAndUnrelatedPairs() {
        Similarity s = new Similarity(List.of("ab", "ac", "de"),
                new double[][] {{1, 0.8, 0.1}, {0.8, 1, 0.3}, {0.1, 0.3, 1}});
        Similarity.Split split = s.meanBy((x, y) -> x.charAt(0) == y.charAt(0));
        assertEquals(0.8, split.related(), 1e-12);
        assertEquals(0.2, split.unrelated(), 1e-12);
        assertTrue(Double.isNaN(s.meanBy((x, y) -> false).related()));
    }
}
