package org.routelab.data.skillcomp;

import java.util.Arrays;

/**
 * The elementary skills of SkillComp: sequence transformations over symbol indices
 * {@code 0 .. symbols-1} (written {@code a}, {@code b}, ...). They are of three kinds, so that
 * compositions mix what a model must learn: moving positions (reverse, rotate, swap_pairs,
 * swap_ends), rewriting symbols through a fixed table (shift, mirror), and changing the length
 * (drop_first, append_first, drop_last). Each output symbol is an input symbol taken from a fixed
 * position or passed through a fixed table, which keeps the skills within reach of a tiny
 * transformer; {@code sort} (last, so unused by default) is the exception. {@link SkillCompConfig#skills()}
 * takes the first N in declaration order.
 */
public enum Skill {
    /** Reverses the sequence: {@code a b c d -> d c b a}. */
    REVERSE("reverse"),
    /** Moves the first symbol to the end: {@code a b c d -> b c d a}. */
    ROTATE("rotate"),
    /** Swaps neighbours pairwise, a last odd symbol staying: {@code a b c d e -> b a d c e}. */
    SWAP_PAIRS("swap_pairs"),
    /** Swaps the first and last symbols: {@code a b c d -> d b c a}. */
    SWAP_ENDS("swap_ends"),
    /** Replaces each symbol by the next in the alphabet, cyclically: {@code a b l -> b c a} (12 symbols). */
    SHIFT("shift"),
    /** Replaces the i-th symbol by the i-th from the end: {@code a b l -> l k a} (12 symbols). */
    MIRROR("mirror"),
    /** Removes the first symbol: {@code a b c -> b c}. */
    DROP_FIRST("drop_first"),
    /** Appends a copy of the first symbol: {@code a b c -> a b c a}. */
    APPEND_FIRST("append_first"),
    /** Removes the last symbol: {@code a b c -> a b}. */
    DROP_LAST("drop_last"),
    /** Sorts the symbols in alphabet order: {@code c a b -> a b c}. */
    SORT("sort");

    private final String id;

    Skill(String id) {
        this.id = id;
    }

    /** Returns the skill's name as it appears in task names. */
    public String id() {
        return id;
    }

    /**
     * Applies the skill.
     *
     * @param seq symbol indices (not modified; at least one symbol)
     * @param symbols the alphabet size
     * @return the transformed sequence, a new array
     */
    public int[] apply(int[] seq, int symbols) {
        int n = seq.length;
        int[] out;
        switch (this) {
            case REVERSE -> {
                out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = seq[n - 1 - i];
                }
            }
            case ROTATE -> {
                out = new int[n];
                System.arraycopy(seq, 1, out, 0, n - 1);
                out[n - 1] = seq[0];
            }
            case SWAP_PAIRS -> {
                out = seq.clone();
                for (int i = 0; i + 1 < n; i += 2) {
                    out[i] = seq[i + 1];
                    out[i + 1] = seq[i];
                }
            }
            case SWAP_ENDS -> {
                out = seq.clone();
                out[0] = seq[n - 1];
                out[n - 1] = seq[0];
            }
            case SHIFT -> {
                out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (seq[i] + 1) % symbols;
                }
            }
            case MIRROR -> {
                out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = symbols - 1 - seq[i];
                }
            }
            case DROP_FIRST -> out = Arrays.copyOfRange(seq, 1, n);
            case APPEND_FIRST -> {
                out = Arrays.copyOf(seq, n + 1);
                out[n] = seq[0];
            }
            case DROP_LAST -> out = Arrays.copyOf(seq, n - 1);
            case SORT -> {
                out = seq.clone();
                Arrays.sort(out);
            }
            default -> throw new AssertionError(this);
        }
        return out;
    }

    /**
     * Finds a skill by its name.
     *
     * @param id the name, as {@link #id()} gives it
     * @return the skill
     * @throws IllegalArgumentException if there is none
     */
    public static Skill byId(String id) {
        for (Skill s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no skill '" + id + "'; skills: " + Arrays.toString(values()));
    }

    @Override
    public String toString() {
        return id;
    }
}
