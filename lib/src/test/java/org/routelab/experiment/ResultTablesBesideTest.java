package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.analysis.AdapterWeights;
import org.routelab.eval.SeedAggregate;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ResultTablesBesideTest {
    private static ExperimentResult result(String name, double accuracy) {
        SeedAggregate scores = new SeedAggregate();
        scores.add("t", 0, accuracy);
        return new ExperimentResult(name, "", scores, List.of(0), 0, 0, List.of(), List.of(), 0,
                AdapterWeights.EMPTY, List.of());
    }

    @Test
    void differencesToTheBaselineSideBySide() {
        Table paper = Table.create("paper",
                StringColumn.create("paper_label", "LoRA", "AdapterSoup", "Poly", "Poly-z"),
                StringColumn.create("method", "lora", "", "poly", "poly-z"),
                DoubleColumn.create("accuracy", 66.0, 62.1, 68.0, 66.4));
        Table t = ResultTables.beside(paper, "accuracy",
                List.of(result("poly", 0.50), result("lora", 0.40), result("poly-z", 0.30), result("mhr", 0.6)), "lora");
        assertEquals(List.of("lora", "poly", "poly-z", "mhr"), t.stringColumn("method").asList(),
                "paper order, then ours the paper lacks");
        assertEquals("Poly", t.getString(1, "paper label"));
        assertEquals(2.0, t.doubleColumn("paper vs lora").get(1), 1e-9);
        assertEquals(50.0, t.doubleColumn("ours (%)").get(1), 1e-9);
        assertEquals(10.0, t.doubleColumn("ours vs lora").get(1), 1e-9);
        assertEquals("yes", t.getString(1, "same sign"));
        assertEquals("no", t.getString(2, "same sign"));
        assertEquals("", t.getString(0, "same sign"));
        assertTrue(t.doubleColumn("paper accuracy").isMissing(3));
        assertEquals("", t.getString(3, "same sign"));
    }
}
