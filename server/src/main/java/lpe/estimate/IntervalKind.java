package lpe.estimate;

/**
 * What a result's 95% interval is, so that a user (and the evaluation) never mistakes one kind for another. The
 * proto's {@code lpe.v1.IntervalKind} spells the same values.
 */
public enum IntervalKind {
    /** Exact enumeration: [p, p]. */
    EXACT,
    /** Plain sampling of a 0/1 behaviour: Wilson's score interval for k hits in n draws. */
    BINOMIAL,
    /** Plain sampling of a [0, 1]-valued behaviour: mean ± 1.96·se, clipped to [0, 1]. */
    NORMAL,
    /**
     * Importance sampling that saw hits: the gamma interval for a weighted sum of rare counts (Fay &amp; Feuer 1997),
     * from the estimate, its variance and a bound on one sample's contribution. Asymmetric (further above than
     * below), never 0 at the low end.
     */
    WEIGHTED_GAMMA,
    /**
     * No hit was seen: the estimate is 0 and only the upper end means anything. It is a one-sided 95% bound that
     * holds whatever the proposal did, because it comes from draws of the input distribution itself (the method's
     * defensive share): with m such draws and no hit, p ≤ 1 − 0.05^{1/m} at 95% confidence.
     */
    ZERO_HIT_BOUND,
    /**
     * No interval for p: the method's error is dominated by a model assumption that sampling noise does not measure
     * (QLD, GLD), or nothing is estimated yet. The interval is [0, 1].
     */
    NONE
}
