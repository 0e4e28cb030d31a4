package org.routelab.experiment;

/** The loss of few-shot adaptation. */
public enum AdaptationLoss {
    /** Cross-entropy of the target tokens. */
    LM,
    /** T-Few's LM + unlikelihood + length-normalised multiple-choice loss (the papers' choice). */
    TFEW
}
