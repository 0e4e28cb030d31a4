package org.routelab.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.messages.ContentType;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.dflib.jjava.jupyter.messages.reply.HistoryReply;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;

/**
 * The cells run in this kernel session, answering Jupyter's {@code history_request} (tail, range and
 * search). Front ends use the reply for input history, and JupyterLab 4 and Notebook 7 wait for it
 * before they show the kernel as idle. History lives in memory: a restarted kernel starts empty.
 */
final class CellHistory {

    /** The session number every entry carries; range requests name it as 0 (the current session) or 1. */
    static final int SESSION = 1;

    /**
     * The content of a {@code history_reply}: {@code status} and {@code history} as
     * {@code [session, line, input]} triples. (jjava's own reply class has no status and its entries
     * reach the wire as objects, which front ends cannot read.)
     */
    static final class Reply implements ContentType<Reply> {
        @SuppressWarnings("unused") // serialised into the reply's content
        private final String status = "ok";
        private final List<List<Object>> history;

        Reply(List<HistoryEntry> entries) {
            history = entries.stream().map(e -> List.<Object>of(e.getSession(), e.getCellNumber(), e.getInput())).toList();
        }

        List<List<Object>> history() {
            return history;
        }

        /** The wire name is history_reply; the content class is this one. */
        @Override
        @SuppressWarnings("unchecked")
        public MessageType<Reply> getType() {
            return (MessageType<Reply>) (MessageType<?>) HistoryReply.MESSAGE_TYPE;
        }
    }

    private final List<HistoryEntry> entries = new ArrayList<>();

    /** Records a cell that ran with {@code store_history}; {@code executionCount} numbers it. */
    synchronized void add(int executionCount, String input) {
        entries.add(new HistoryEntry(SESSION, executionCount, input, null));
    }

    /** The reply to a request. */
    Reply answer(HistoryRequest request) {
        List<HistoryEntry> found = switch (request.getAccessType()) {
            case TAIL -> tail(((HistoryRequest.Tail) request).getMaxReturnLength(), false);
            case RANGE -> {
                HistoryRequest.Range r = (HistoryRequest.Range) request;
                yield range(r.getSessionIndex(), r.getStart(), r.getStop());
            }
            case SEARCH -> {
                HistoryRequest.Search s = (HistoryRequest.Search) request;
                yield search(s.getPattern(), s.getMaxReturnLength(), s.filterUnique());
            }
        };
        return new Reply(found);
    }

    /** The last {@code length} cells, in order; with {@code unique}, only the latest of equal inputs. */
    synchronized List<HistoryEntry> tail(int length, boolean unique) {
        List<HistoryEntry> found = unique ? unique(entries) : entries;
        return List.copyOf(found.subList(Math.max(0, found.size() - Math.max(0, length)), found.size()));
    }

    /**
     * Cells numbered {@code start} (inclusive) to {@code stop} (exclusive) of the current session
     * ({@code session} 0 or 1); a {@code stop} of 0 or less means "to the end".
     */
    synchronized List<HistoryEntry> range(int session, int start, int stop) {
        if (session != 0 && session != SESSION) {
            return List.of();
        }
        return entries.stream()
                .filter(e -> e.getCellNumber() >= start && (stop <= 0 || e.getCellNumber() < stop))
                .toList();
    }

    /**
     * The last {@code length} cells (all when 0 or less) whose input matches a glob: {@code *} any
     * text, {@code ?} one character; an empty glob matches everything.
     */
    synchronized List<HistoryEntry> search(String glob, int length, boolean unique) {
        Pattern pattern = globPattern(glob == null || glob.isEmpty() ? "*" : glob);
        List<HistoryEntry> found = entries.stream().filter(e -> pattern.matcher(e.getInput()).matches()).toList();
        if (unique) {
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

    private static Pattern globPattern(String glob) {
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
