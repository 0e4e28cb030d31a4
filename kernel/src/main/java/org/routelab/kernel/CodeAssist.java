package org.routelab.kernel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jshell.Snippet;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.SourceCodeAnalysis.Documentation;
import jdk.jshell.SourceCodeAnalysis.Suggestion;

/**
 * Completion and inspection with JShell's source analysis. Both work on the snippet of the cell that
 * holds the cursor, so earlier statements of a long cell do not confuse them.
 */
final class CodeAssist {

    /** Completions: what replaces the text between {@code start} and {@code end}. */
    record Completions(List<String> options, int start, int end) {
    }

    private final SourceCodeAnalysis analysis;

    CodeAssist(SourceCodeAnalysis analysis) {
        this.analysis = analysis;
    }

    /**
     * Completions at the cursor. Names that earlier statements of the same cell declare are known
     * before the cell has run: the earlier statements and the snippet are completed as one block.
     */
    Completions complete(String cell, int cursor) {
        int[] span = snippetAt(cell, cursor);
        String snippet = cell.substring(span[0], cursor);
        String earlier = blockPrefix(cell.substring(0, span[0]));
        int[] anchor = new int[1];
        List<Suggestion> suggestions = List.of();
        if (!earlier.isEmpty()) {
            suggestions = analysis.completionSuggestions(earlier + snippet, earlier.length() + snippet.length(), anchor);
            anchor[0] -= earlier.length();
        }
        if (suggestions.isEmpty() || anchor[0] < 0) {
            suggestions = analysis.completionSuggestions(snippet, snippet.length(), anchor);
        }
        Set<String> options = new LinkedHashSet<>();
        suggestions.stream().filter(Suggestion::matchesType).forEach(s -> options.add(s.continuation()));
        suggestions.forEach(s -> options.add(s.continuation()));
        return new Completions(new ArrayList<>(options), span[0] + anchor[0], cursor);
    }

    /**
     * The statements before the cursor's snippet that may stand in a block (variables, statements,
     * expressions, classes; not imports or methods), opening a block: {@code "{ var t = ...; "}, or
     * an empty string when there are none.
     */
    private String blockPrefix(String before) {
        StringBuilder block = new StringBuilder();
        String remaining = before;
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (!info.completeness().isComplete() || info.completeness() == Completeness.EMPTY) {
                break;
            }
            String source = info.source();
            boolean blockable = analysis.sourceToSnippets(source).stream()
                    .allMatch(s -> s.kind() != Snippet.Kind.IMPORT && s.kind() != Snippet.Kind.METHOD);
            if (blockable) {
                block.append(source).append(source.endsWith(";") || source.endsWith("}") ? " " : "; ");
            }
            remaining = info.remaining();
        }
        return block.isEmpty() ? "" : "{ " + block;
    }

    /**
     * Signatures and Javadoc of what is under the cursor, or an empty string. JShell documents calls
     * from inside their argument list, so a cursor on a method name is moved past its parenthesis.
     */
    String inspect(String cell, int cursor, boolean detail) {
        int[] span = snippetAt(cell, cursor);
        String snippet = cell.substring(span[0], span[1]);
        int at = cursor - span[0];
        List<Documentation> docs = analysis.documentation(snippet, at, detail);
        if (docs.isEmpty()) {
            int end = at;
            while (end < snippet.length() && Character.isJavaIdentifierPart(snippet.charAt(end))) {
                end++;
            }
            if (end < snippet.length() && snippet.charAt(end) == '(') {
                docs = analysis.documentation(snippet, end + 1, detail);
            }
        }
        return docs.stream()
                .map(d -> d.javadoc() == null || d.javadoc().isBlank() ? d.signature() : d.signature() + "\n" + d.javadoc())
                .collect(Collectors.joining("\n\n"));
    }

    /** [start, end) of the snippet holding {@code cursor}, using the same split as evaluation. */
    private int[] snippetAt(String cell, int cursor) {
        int offset = 0;
        String remaining = cell;
        while (!remaining.isEmpty()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (!info.completeness().isComplete() || info.completeness() == Completeness.EMPTY) {
                break;
            }
            int end = offset + remaining.length() - info.remaining().length();
            if (cursor <= end) {
                return new int[] {offset, end};
            }
            offset = end;
            remaining = info.remaining();
        }
        return new int[] {offset, cell.length()};
    }
}
