package org.routelab.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Generation metrics over whitespace tokens, case-insensitive: exact match and Rouge-L. */
public final class TextMetrics {
    private TextMetrics() {}

    /**
     * Returns 1 if the texts are equal after lower-casing and collapsing whitespace, else 0.
     *
     * @param prediction the generated text
     * @param reference the target text
     * @return 1 or 0
     */
    public static double exactMatch(String prediction, String reference) {
        return tokens(prediction).equals(tokens(reference)) ? 1 : 0;
    }

    /**
     * Returns the Rouge-L F1 score: the longest common subsequence of tokens, as precision against
     * the prediction's length and recall against the reference's, combined harmonically.
     *
     * @param prediction the generated text
     * @param reference the target text
     * @return a score in {@code [0, 1]}; 1 when both are empty
     */
    public static double rougeL(String prediction, String reference) {
        List<String> p = tokens(prediction);
        List<String> r = tokens(reference);
        if (p.isEmpty() || r.isEmpty()) {
            return p.isEmpty() && r.isEmpty() ? 1 : 0;
        }
        int lcs = longestCommonSubsequence(p, r);
        if (lcs == 0) {
            return 0;
        }
        double precision = (double) lcs / p.size();
        double recall = (double) lcs / r.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static int longestCommonSubsequence(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    private static List<String> tokens(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }
}
