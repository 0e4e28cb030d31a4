package org.routelab.data.skillcomp;

/**
 * The sizes of a SkillComp benchmark.
 *
 * @param symbols alphabet size; symbols are the words {@code a, b, ...} (in {@code [maxLength, 26]},
 *     since inputs use distinct symbols)
 * @param skills how many skills to use: the first N of the family's skills in declaration order
 *     (at least 2)
 * @param compositionLength skills per task, applied in order (2 normally, 3 as an option)
 * @param trainingTasks number of training tasks
 * @param heldoutTasks number of held-out tasks (unseen combinations of the same skills)
 * @param trainingExamples examples per training task
 * @param heldoutExamples examples per held-out task (few-shot shots plus the evaluation set)
 * @param minLength shortest input, in symbols (more than {@code compositionLength}, so that outputs
 *     are never empty)
 * @param maxLength longest input, in symbols
 * @param answerChoices answer choices per example (the target and distractors; at least 2)
 * @param family where the skills come from: the first {@code skills} of the family's skills
 */
public record SkillCompConfig(
        int symbols,
        int skills,
        int compositionLength,
        int trainingTasks,
        int heldoutTasks,
        int trainingExamples,
        int heldoutExamples,
        int minLength,
        int maxLength,
        int answerChoices,
        SkillFamily family) {

    /**
     * The built-in default, sized so that the whole default comparison runs on two CPU cores: 16
     * symbols, the 8 symbol-pair swaps, pairs of skills (28 distinct tasks), 20 training tasks of 200
     * examples (4,000 in all: an epoch is 250 steps of batch 16), 5 held-out tasks of 150 examples (32
     * shots and 118 to evaluate), inputs of 4 to 6 symbols, 4 answer choices.
     */
    public static final SkillCompConfig DEFAULT =
            new SkillCompConfig(16, 8, 2, 20, 5, 200, 150, 4, 6, 4, SkillFamily.SWAPS);

    /**
     * Validates the sizes.
     *
     * @throws IllegalArgumentException naming the field and value at fault
     */
    public SkillCompConfig {
        require(maxLength >= 1, "maxLength", maxLength, "must be positive");
        require(symbols >= maxLength && symbols <= 26, "symbols", symbols,
                "must be in [maxLength = " + maxLength + ", 26]");
        java.util.Objects.requireNonNull(family, "family");
        int available = family.skills().size();
        require(skills >= 2 && skills <= available, "skills", skills,
                "must be in [2, " + available + "] for the " + family + " family");
        int needed = family.skills().subList(0, skills).stream().mapToInt(Skill::minSymbols).max().orElse(1);
        require(symbols >= needed, "symbols", symbols, "must be at least " + needed + " for the skills in use");
        require(compositionLength >= 2 && compositionLength <= skills, "compositionLength", compositionLength,
                "must be in [2, skills = " + skills + "]");
        require(trainingTasks >= 1, "trainingTasks", trainingTasks, "must be positive");
        require(heldoutTasks >= 0, "heldoutTasks", heldoutTasks, "must not be negative");
        require(trainingExamples >= 1, "trainingExamples", trainingExamples, "must be positive");
        require(heldoutExamples >= 1, "heldoutExamples", heldoutExamples, "must be positive");
        require(minLength > compositionLength && minLength <= maxLength, "minLength", minLength,
                "must be in [compositionLength + 1 = " + (compositionLength + 1) + ", maxLength = " + maxLength + "]");
        require(answerChoices >= 2, "answerChoices", answerChoices, "must be at least 2");
    }

    private static void require(boolean ok, String field, int value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("SkillComp " + field + " = " + value + " " + rule);
        }
    }
}
