package org.routelab.data.skillcomp;

import java.util.Arrays;

/**
 * The elementary skills of SkillComp, in two {@link SkillFamily families}.
 *
 * <p>{@link SkillFamily#SEQUENCE} skills are sequence transformations over symbol indices
 * {@code 0 .. symbols-1} (written {@code a}, {@code b}, ...) of three kinds: moving positions (reverse,
 * rotate, swap_pairs, swap_ends), rewriting symbols through a fixed table (shift, mirror), and changing
 * the length (drop_first, append_first, drop_last); {@code sort} is the hardest. Their compositions are
 * hard for a tiny backbone, which makes them a stress test.
 *
 * <p>{@link SkillFamily#SWAPS} skills each exchange the two symbols of their own pair ({@code swap_ab}
 * turns every {@code a} into {@code b} and back) and copy the rest. Pairs are disjoint, so skills
 * commute and a task made of two of them is exactly the union of their effects: the setting where
 * a routed adapter that learned one module per skill solves an unseen pair by routing alone. Each swap
 * is also a rank-one change of a copying model's output, so even rank-1 adapters can hold one.
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
    SORT("sort"),
    /** Exchanges {@code a} and {@code b}: {@code a c b -> b c a}. */
    SWAP_AB("swap_ab", 0),
    /** Exchanges {@code c} and {@code d}. */
    SWAP_CD("swap_cd", 2),
    /** Exchanges {@code e} and {@code f}. */
    SWAP_EF("swap_ef", 4),
    /** Exchanges {@code g} and {@code h}. */
    SWAP_GH("swap_gh", 6),
    /** Exchanges {@code i} and {@code j}. */
    SWAP_IJ("swap_ij", 8),
    /** Exchanges {@code k} and {@code l}. */
    SWAP_KL("swap_kl", 10),
    /** Exchanges {@code m} and {@code n}. */
    SWAP_MN("swap_mn", 12),
    /** Exchanges {@code o} and {@code p}. */
    SWAP_OP("swap_op", 14);

    private final String id;
    private final SkillFamily family;
    /** The first symbol of a swap's pair; -1 for sequence skills. */
    private final int pair;

    Skill(String id) {
        this(id, SkillFamily.SEQUENCE, -1);
    }

    Skill(String id, int pair) {
        this(id, SkillFamily.SWAPS, pair);
    }

    Skill(String id, SkillFamily family, int pair) {
        this.id = id;
        this.family = family;
        this.pair = pair;
    }

    /** Returns the family the skill belongs to. */
    public SkillFamily family() {
        return family;
    }

    /**
     * Returns the smallest alphabet the skill works on.
     *
     * @return 1 for sequence skills, the pair's second symbol plus one for swaps
     */
    public int minSymbols() {
        return pair + 2;
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
            default -> {
                if (family != SkillFamily.SWAPS) {
                    throw new AssertionError(this);
                }
                if (symbols < minSymbols()) {
                    throw new IllegalArgumentException(id + " needs at least " + minSymbols() + " symbols, got " + symbols);
                }
                out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = seq[i] == pair ? pair + 1 : seq[i] == pair + 1 ? pair : seq[i];
                }
            }
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
