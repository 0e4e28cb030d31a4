package org.routelab.experiment;

/**
 * Which unseen tasks an experiment's few-shot phase adapts to and scores: the held-out test tasks, or the
 * validation tasks (compositions unseen in training and disjoint from the test tasks). Settings are chosen
 * on validation tasks only ({@code ./routelab tune}); test tasks report the chosen settings.
 */
public enum Split {
    /** The held-out test tasks (SkillComp's held-out tasks, a suite folder's {@code heldout.jsonl}). */
    TEST,
    /** The validation tasks (SkillComp's leftover compositions, a suite folder's {@code validation.jsonl}). */
    VALIDATION;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
