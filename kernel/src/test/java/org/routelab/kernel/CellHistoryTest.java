package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager.ResultFlag;
import org.junit.jupiter.api.Test;

class CellHistoryTest {
    private static final Set<ResultFlag> NONE = EnumSet.noneOf(ResultFlag.class);

    private static List<String> inputs(List<HistoryEntry> entries) {
        return entries.stream().map(HistoryEntry::getInput).toList();
    }

    private static CellHistory history() {
        CellHistory h = new CellHistory();
        h.add(1, "int a = 1;");
        h.add(2, "a + 1");
        h.add(3, "int a = 1;");
        h.add(4, "Math.max(a, 2)");
        return h;
    }

    @Test
    void tailIsTheLastCellsInOrderAndUniqueKeepsTheLatestOfEachInput() {
        assertEquals(List.of("int a = 1;", "Math.max(a, 2)"), inputs(history().lookupTail(2, NONE)));
        assertEquals(List.of("a + 1", "int a = 1;", "Math.max(a, 2)"),
                inputs(history().lookupTail(10, EnumSet.of(ResultFlag.UNIQUE))));
        assertEquals(List.of(), new CellHistory().lookupTail(5, NONE));
        HistoryEntry last = history().lookupTail(1, NONE).get(0);
        assertEquals(CellHistory.SESSION, last.getSession());
        assertEquals(4, last.getCellNumber());
    }

    @Test
    void rangeIsByCellNumberInTheCurrentSession() {
        assertEquals(List.of("a + 1", "int a = 1;"), inputs(history().lookupRange(0, 2, 4, NONE)));
        assertEquals(List.of("int a = 1;", "Math.max(a, 2)"), inputs(history().lookupRange(1, 3, 0, NONE)));
        assertEquals(List.of(), history().lookupRange(-1, 1, 0, NONE));
    }

    @Test
    void searchMatchesGlobs() {
        assertEquals(List.of("int a = 1;", "int a = 1;"), inputs(history().search("int*", 0, NONE)));
        assertEquals(List.of("int a = 1;"), inputs(history().search("int*", 0, EnumSet.of(ResultFlag.UNIQUE))));
        assertEquals(List.of("Math.max(a, 2)"), inputs(history().search("Math.max(?, 2)", 5, NONE)));
        assertEquals(List.of(), history().search("Math.max(a, 2", 5, NONE));
        assertEquals(List.of("Math.max(a, 2)"), inputs(history().search("", 1, NONE)));
    }
}
