package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;
import org.junit.jupiter.api.Test;

class CellHistoryTest {
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
        assertEquals(List.of("int a = 1;", "Math.max(a, 2)"), inputs(history().tail(2, false)));
        assertEquals(List.of("a + 1", "int a = 1;", "Math.max(a, 2)"),
                inputs(history().tail(10, true)));
        assertEquals(List.of(), new CellHistory().tail(5, false));
        HistoryEntry last = history().tail(1, false).get(0);
        assertEquals(CellHistory.SESSION, last.getSession());
        assertEquals(4, last.getCellNumber());
    }

    @Test
    void repliesCarryTriplesOfSessionLineAndInput() {
        CellHistory.Reply reply = history().answer(new HistoryRequest.Tail(false, true, 2));
        assertEquals(List.of(List.of(1, 3, "int a = 1;"), List.of(1, 4, "Math.max(a, 2)")), reply.history());
        assertEquals("history_reply", reply.getType().getName());
        reply = history().answer(new HistoryRequest.Search(false, true, 0, "a + ?", true));
        assertEquals(List.of(List.of(1, 2, "a + 1")), reply.history());
        assertEquals(2, history().answer(new HistoryRequest.Range(false, true, 0, 3, 5)).history().size());
    }

    @Test
    void rangeIsByCellNumberInTheCurrentSession() {
        assertEquals(List.of("a + 1", "int a = 1;"), inputs(history().range(0, 2, 4)));
        assertEquals(List.of("int a = 1;", "Math.max(a, 2)"), inputs(history().range(1, 3, 0)));
        assertEquals(List.of(), history().range(-1, 1, 0));
    }

    @Test
    void searchMatchesGlobs() {
        assertEquals(List.of("int a = 1;", "int a = 1;"), inputs(history().search("int*", 0, false)));
        assertEquals(List.of("int a = 1;"), inputs(history().search("int*", 0, true)));
        assertEquals(List.of("Math.max(a, 2)"), inputs(history().search("Math.max(?, 2)", 5, false)));
        assertEquals(List.of(), history().search("Math.max(a, 2", 5, false));
        assertEquals(List.of("Math.max(a, 2)"), inputs(history().search("", 1, false)));
    }
}
