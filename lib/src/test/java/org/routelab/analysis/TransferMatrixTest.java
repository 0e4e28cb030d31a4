package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransferMatrixTest {
    @Test
    void diagonalAndOffDiagonalMeans() {
        // rows: routed as; columns: evaluated on. ab and ac share a letter, de shares none
        TransferMatrix t = new TransferMatrix(List.of("ab", "ac", "de"), new double[][] {
            {0.9, 0.7, 0.3},
            {0.5, 0.8, 0.2},
            {0.1, 0.3, 1.0}});
        assertEquals((0.9 + 0.8 + 1.0) / 3, t.ownRouting(), 1e-12);
        Similarity.Split split = t.meanBy((a, b) -> a.charAt(0) == b.charAt(0));
        assertEquals((0.7 + 0.5) / 2, split.related(), 1e-12);
        assertEquals((0.3 + 0.2 + 0.1 + 0.3) / 4, split.unrelated(), 1e-12);
    }

    @Test
    void theMatrixMustBeSquare() {
        assertThrows(IllegalArgumentException.class,
                () -> new TransferMatrix(List.of("a", "b"), new double[][] {{1, 0}, {0}}));
        assertThrows(IllegalArgumentException.class, () -> new TransferMatrix(List.of("a"), new double[][] {{1}, {0}}));
    }
}
