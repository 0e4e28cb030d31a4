package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlotlyCarrierTest {

    @Test
    void theFirstChartOfASessionCarriesPlotlyAndOthersDoNot() {
        PlotlyCarrier c = new PlotlyCarrier();
        c.cellStarts("a", List.of());
        assertTrue(c.carries(null));
        assertFalse(c.carries(null), "a second chart in the same cell");
        c.cellStarts("b", List.of());
        assertFalse(c.carries(null));
    }

    @Test
    void rerunningTheCarryingCellSendsItAgainWhereverTheNextChartIs() {
        PlotlyCarrier c = new PlotlyCarrier();
        c.cellStarts("a", List.of());
        assertTrue(c.carries(null));
        c.cellStarts("b", List.of());
        assertFalse(c.carries(null));
        c.cellStarts("a", List.of()); // a's outputs are replaced; suppose it now fails before its chart
        c.cellStarts("b", List.of());
        assertTrue(c.carries(null), "b carries it now");
        c.cellStarts("a", List.of());
        assertFalse(c.carries(null), "a is no longer the carrier");
    }

    @Test
    void deletingTheCarryingCellOrUpdatingItsDisplaySendsItAgain() {
        PlotlyCarrier c = new PlotlyCarrier();
        c.cellStarts("a", List.of());
        assertTrue(c.carries(null));
        c.cellStarts("b", List.of("x", "a"));
        assertTrue(c.carries(null));

        c.cellStarts("c", List.of());
        c.embedAgain();
        assertTrue(c.carries("live-chart"));
        assertFalse(c.carries("other-display"));
        assertTrue(c.carries("live-chart"), "the update replaces the output that carried it");
    }

    @Test
    void withoutCellIdsTheFirstChartOfTheSessionCarriesIt() {
        PlotlyCarrier c = new PlotlyCarrier();
        c.cellStarts(null, List.of());
        assertTrue(c.carries(null));
        c.cellStarts(null, List.of());
        assertFalse(c.carries(null));
    }
}
