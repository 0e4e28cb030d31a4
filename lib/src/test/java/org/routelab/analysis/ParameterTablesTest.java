package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.method.MethodConfig;
import org.routelab.routing.AdaptationVariant;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ParameterTablesTest {
    private static final ConfigJson TINY = LanguageModel.preset("t5-tiny");

    @Test
    void countsAreAbbreviatedWithThreeSignificantDigits() {
        assertEquals("999", ParameterAccount.abbreviate(999));
        assertEquals("3.46K", ParameterAccount.abbreviate(3456));
        assertEquals("221K", ParameterAccount.abbreviate(221_184));
        assertEquals("2.21M", ParameterAccount.abbreviate(2_211_840));
        assertEquals("17.7M", ParameterAccount.abbreviate(17_694_720));
        assertEquals("10.0M", ParameterAccount.abbreviate(9_999_999));
        assertEquals("1.00M", ParameterAccount.abbreviate(999_999));
        assertEquals("", ParameterAccount.abbreviate(-1));
    }

    @Test
    void aNewTaskKeepsItsRoutingOrOneMergedAdapter() {
        ParameterAccount poly = ParameterAccount.of(TINY, MethodConfig.defaults("poly").withTasks(5));
        assertEquals(poly.adaptRouteOnly(), poly.keptPerTask(AdaptationVariant.ROUTE_ONLY));
        assertEquals(poly.adaptAverage(), poly.keptPerTask(AdaptationVariant.AVERAGE));
        assertEquals(poly.adaptAverage(), poly.keptPerTask(AdaptationVariant.FULL));
        assertTrue(poly.adaptFull() > poly.keptPerTask(AdaptationVariant.FULL));
    }

    @Test
    void accountsAsATableAndBesideAPaperTable() {
        ParameterAccount lora = ParameterAccount.of(TINY, MethodConfig.defaults("lora").withTasks(5));
        ParameterAccount poly = ParameterAccount.of(TINY, MethodConfig.defaults("poly").withTasks(5));
        Table t = ParameterAccount.table(List.of(lora, poly));
        assertEquals(2, t.rowCount());
        assertTrue(t.longColumn("trained: -z").isMissing(0), "LoRA has no -z");
        assertEquals(poly.routingParams(), t.longColumn("routing (T tasks)").get(1));

        Table paper = Table.create("paper",
                StringColumn.create("paper_label", "LoRA", "Poly-z", "AdapterSoup"),
                StringColumn.create("method", "lora", "poly-z", ""),
                StringColumn.create("multitask_params", "2.2M", "17M", "84M"),
                StringColumn.create("adaptation_params", "2.2M", "3.5K", "2.2M"));
        Table beside = ParameterAccount.besidePaper(paper, Arrays.asList(lora, poly, null));
        assertEquals(3, beside.rowCount());
        assertEquals(ParameterAccount.abbreviate(poly.expertParams()), beside.getString(1, "ours multi-task"));
        assertEquals(ParameterAccount.abbreviate(poly.adaptRouteOnly()), beside.getString(1, "ours adaptation"));
        assertEquals(ParameterAccount.abbreviate(lora.adaptFull()), beside.getString(0, "ours trained in adaptation"));
        assertEquals("", beside.getString(2, "ours multi-task"));
        assertEquals("84M", beside.getString(2, "paper multi-task"));
        assertThrows(IllegalArgumentException.class, () -> ParameterAccount.besidePaper(paper, List.of(lora)));
    }
}
