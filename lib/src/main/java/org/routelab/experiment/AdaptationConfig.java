package org.routelab.experiment;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.routelab.routing.AdaptationVariant;
import org.routelab.util.ConfigException;
import org.routelab.util.ConfigValues;

/**
 * The few-shot phase of an experiment: for every held-out task and seed, adapt the multi-task outcome on
 * {@code shots} examples and score the rest by rank classification.
 *
 * @param variant full, -z (route-only) or -mu (average)
 * @param shots examples per held-out task ({@code k})
 * @param steps updates
 * @param lr the experts' learning rate, or null for the method's ({@link
 *     org.routelab.method.Method#learningRates})
 * @param loss LM or T-Few
 * @param evaluateEvery evaluate on validation examples every this many steps (and after the last); 0 never
 * @param validationExamples validation examples per task, taken from the non-shot examples (then left out
 *     of the test set)
 * @param keepBest score the test set with the weights of the best evaluation (the best-validation protocol)
 * @param shotsPerTask held-out tasks with their own number of shots (the papers use 50 for Winogrande, 70
 *     for StoryCloze, 20 for H-SWAG)
 */
public record AdaptationConfig(AdaptationVariant variant, int shots, int steps, Float lr, AdaptationLoss loss,
        int evaluateEvery, int validationExamples, boolean keepBest, Map<String, Integer> shotsPerTask) {
    /** Shots per held-out task (the papers' k = 32). */
    public static final int DEFAULT_SHOTS = 32;
    /** Few-shot updates on the built-in default (the papers run 1000 on T0); each is one batch of all shots. */
    public static final int DEFAULT_STEPS = 10;
    /** Validation examples per held-out task when validation is on. */
    public static final int DEFAULT_VALIDATION_EXAMPLES = 32;

    /** The built-in default. */
    public static final AdaptationConfig DEFAULT = new AdaptationConfig(AdaptationVariant.FULL, DEFAULT_SHOTS,
            DEFAULT_STEPS, null, AdaptationLoss.TFEW, 0, DEFAULT_VALIDATION_EXAMPLES, false, Map.of());

    /** Validates the values, naming the key of the first bad one. */
    public AdaptationConfig {
        if (variant == null || loss == null) {
            throw new ConfigException(variant == null ? "variant" : "loss", "must be given");
        }
        ConfigValues.range("shots", shots, 1, ConfigValues.MAX_EXAMPLES);
        ConfigValues.range("steps", steps, 1, ConfigValues.MAX_STEPS);
        ConfigValues.learningRate("lr", lr);
        ConfigValues.range("evaluate_every", evaluateEvery, 0, ConfigValues.MAX_STEPS);
        ConfigValues.range("validation_examples", validationExamples, 1, ConfigValues.MAX_EXAMPLES);
        if (keepBest && evaluateEvery == 0) {
            throw new ConfigException("keep_best", "needs evaluate_every > 0");
        }
        // Sorted, so that equal configs write the same JSON.
        shotsPerTask = Collections.unmodifiableMap(new TreeMap<>(shotsPerTask == null ? Map.of() : shotsPerTask));
        shotsPerTask.forEach((task, k) -> {
            if (k == null) {
                throw new ConfigException("shots_per_task." + task, "must be an integer");
            }
            ConfigValues.range("shots_per_task." + task, k, 1, ConfigValues.MAX_EXAMPLES);
        });
    }

    /** Returns the shots of a held-out task: its own, or {@link #shots}. */
    public int shotsOf(String task) {
        return shotsPerTask.getOrDefault(task, shots);
    }
}
