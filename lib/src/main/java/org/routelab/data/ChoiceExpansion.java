package org.routelab.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rank classification input: every answer choice of every example becomes one row, an encoded
 * example with the example's input and task id and the choice as its target. Rows are ordered
 * example by example, choice by choice, so they can be batched with {@link Batches#inOrder} and
 * {@link TaskBatch#of}; scores computed per row (for example mean per-token NLL) map back with
 * {@link #byExample} and {@link #argmin}.
 */
public final class ChoiceExpansion {
    private final List<EncodedExample> rows;
    private final int[] rowExample;
    private final int[] rowChoice;
    private final int[] labels;
    private final int[] firstRow;

    private ChoiceExpansion(List<EncodedExample> rows, int[] rowExample, int[] rowChoice, int[] labels,
            int[] firstRow) {
        this.rows = rows;
        this.rowExample = rowExample;
        this.rowChoice = rowChoice;
        this.labels = labels;
        this.firstRow = firstRow;
    }

    /**
     * Expands examples into one row per answer choice.
     *
     * @param examples examples that all have answer choices
     * @return the expansion
     * @throws IllegalArgumentException if an example has no answer choices, naming its index
     */
    public static ChoiceExpansion of(List<EncodedExample> examples) {
        int total = 0;
        for (int i = 0; i < examples.size(); i++) {
            if (!examples.get(i).hasChoices()) {
                throw new IllegalArgumentException("example " + i + " has no answer choices to rank");
            }
            total += examples.get(i).choiceIds().size();
        }
        List<EncodedExample> rows = new ArrayList<>(total);
        int[] rowExample = new int[total];
        int[] rowChoice = new int[total];
        int[] labels = new int[examples.size()];
        int[] firstRow = new int[examples.size() + 1];
        for (int i = 0; i < examples.size(); i++) {
            EncodedExample e = examples.get(i);
            labels[i] = e.label();
            firstRow[i] = rows.size();
            for (int c = 0; c < e.choiceIds().size(); c++) {
                rowExample[rows.size()] = i;
                rowChoice[rows.size()] = c;
                rows.add(new EncodedExample(e.inputIds(), e.choiceIds().get(c), e.taskId(), List.of(),
                        Example.NO_LABEL));
            }
        }
        firstRow[examples.size()] = total;
        return new ChoiceExpansion(List.copyOf(rows), rowExample, rowChoice, labels, firstRow);
    }

    /** Returns the rows: one per (example, choice), example-major. */
    public List<EncodedExample> rows() {
        return rows;
    }

    /** Returns the number of examples expanded. */
    public int numExamples() {
        return labels.length;
    }

    /**
     * Returns the example a row belongs to.
     *
     * @param row the row index
     * @return the example index
     */
    public int example(int row) {
        return rowExample[row];
    }

    /**
     * Returns the choice a row scores.
     *
     * @param row the row index
     * @return the choice index within its example
     */
    public int choice(int row) {
        return rowChoice[row];
    }

    /** Returns the right choice of each example. */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * Groups row scores by example.
     *
     * @param rowScores one score per row, in row order
     * @return per example, the score of each choice
     */
    public double[][] byExample(double[] rowScores) {
        if (rowScores.length != rows.size()) {
            throw new IllegalArgumentException(
                    "got " + rowScores.length + " row scores for " + rows.size() + " rows");
        }
        double[][] out = new double[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            out[i] = Arrays.copyOfRange(rowScores, firstRow[i], firstRow[i + 1]);
        }
        return out;
    }

    /**
     * Picks the choice with the lowest score (for example the lowest mean NLL) of each example; ties
     * go to the lower choice index.
     *
     * @param rowScores one score per row, in row order
     * @return per example, the predicted choice index
     */
    public int[] argmin(double[] rowScores) {
        double[][] scores = byExample(rowScores);
        int[] out = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            for (int c = 1; c < scores[i].length; c++) {
                if (scores[i][c] < scores[i][out[i]]) {
                    out[i] = c;
                }
            }
        }
        return out;
    }
}
