package org.routelab.data.skillcomp;

/**
 * The sizes of a SkillComp benchmark.
 *
 * @param symbols alphabet size; symbols are the words {@code a, b, ...} (in {@code [maxLength, 26]},
 *     since inputs use distinct symbols)
 * @param skills how many skills to use: the first N of {@link Skill} in declaration order
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
        int answerChoices) {

    /**
     * The built-in default, sized so that the whole default comparison runs on two CPU cores: 12
     * symbols, 8 skills, pairs of skills, 20 training tasks of 200 examples (4,000 in all: an epoch is
     * 250 steps of batch 16), 5 held-out tasks of 150 examples (32 shots and 118 to evaluate), inputs of
     * 4 to 6 symbols, 4 answer choices.
     */
    public static final SkillCompConfig DEFAULT = new SkillCompConfig(12, 8, 2, 20, 5, 200, 150, 4, 6, 4);

    /**
     * Validates the sizes.
     *
     * @throws IllegalArgumentException naming the field and value at fault
     */
    public SkillCompConfig {
        require(maxLength >= 1, "maxLength", maxLength, "must be positive");
        require(symbols >= maxLength && symbols <= 26, "symbols", symbols,
                "must be in [maxLength = " + maxLength + ", 26]");
        require(skills >= 2 && skills <= Skill.values().length, "skills", skills,
                "must be in [2, " + Skill.values().length + "]");
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
