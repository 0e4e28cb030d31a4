package org.routelab.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;

/**
 * The cells run in this kernel session, answering Jupyter's {@code history_request} (tail, range and
 * search). Front ends use the reply for input history, and JupyterLab 4 and Notebook 7 wait for it
 * before they show the kernel as idle. History lives in memory: a restarted kernel starts empty.
 */
final class CellHistory implements HistoryManager {

    /** The session number every entry carries; range requests name it as 0 (the current session) or 1. */
    static final int SESSION = 1;

    private final List<HistoryEntry> entries = new ArrayList<>();

    /** Records a cell that ran with {@code store_history}; {@code executionCount} numbers it. */
    synchronized void add(int executionCount, String input) {
        entries.add(new HistoryEntry(SESSION, executionCount, input, null));
    }

    @Override
    public synchronized List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
        List<HistoryEntry> found = flags.contains(ResultFlag.UNIQUE) ? unique(entries) : entries;
        return List.copyOf(found.subList(Math.max(0, found.size() - Math.max(0, length)), found.size()));
    }

    /**
     * Cells numbered {@code start} (inclusive) to {@code stop} (exclusive) of the current session
     * ({@code session} 0 or 1); a {@code stop} of 0 or less means "to the end".
     */
    @Override
    public synchronized List<HistoryEntry> lookupRange(int session, int start, int stop, Set<ResultFlag> flags) {
        if (session != 0 && session != SESSION) {
            return List.of();
        }
        return entries.stream()
                .filter(e -> e.getCellNumber() >= start && (stop <= 0 || e.getCellNumber() < stop))
                .toList();
    }

    /** The last {@code length} cells whose input matches a glob ({@code *} any text, {@code ?} one character). */
    @Override
    public synchronized List<HistoryEntry> search(String glob, int length, Set<ResultFlag> flags) {
        Pattern pattern = globPattern(glob == null || glob.isEmpty() ? "*" : glob);
        List<HistoryEntry> found = entries.stream().filter(e -> pattern.matcher(e.getInput()).matches()).toList();
        if (flags.contains(ResultFlag.UNIQUE)) {
            found = unique(found);
        }
        int keep = length <= 0 ? found.size() : Math.min(length, found.size());
        return List.copyOf(found.subList(found.size() - keep, found.size()));
    }

    /** The latest entry of each distinct input, in order. */
    private static List<HistoryEntry> unique(List<HistoryEntry> all) {
        Set<String> seen = new HashSet<>();
        List<HistoryEntry> reversed = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (seen.add(all.get(i).getInput())) {
                reversed.add(all.get(i));
            }
        }
        Collections.reverse(reversed);
        return reversed;
    }

    static Pattern globPattern(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("(?=[*?])|(?<=[*?])")) {
            regex.append(switch (part) {
                case "*" -> ".*";
                case "?" -> ".";
                default -> Pattern.quote(part);
            });
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
