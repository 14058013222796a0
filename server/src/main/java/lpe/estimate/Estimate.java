package lpe.estimate;

/**
 * An estimate is never a bare number: value, standard error, 95% interval and what kind of interval it is, whether
 * only its upper end means anything (no hit was seen), effective sample size, and the compute it used (forward and
 * backward passes counted as docs/methods.md counts them).
 */
public record Estimate(
        String method,
        double estimate,
        double stdError,
        double ci95Low,
        double ci95High,
        IntervalKind intervalKind,
        boolean upperBoundOnly,
        double ess,
        long samples,
        long forwardPasses,
        long backwardPasses,
        double seconds,
        long seed) {

    /** An estimate with the interval {@code ci}. */
    static Estimate of(String method, double estimate, double stdError, Interval ci, double ess, long samples,
            long forwardPasses, long backwardPasses, double seconds, long seed) {
        return new Estimate(method, estimate, stdError, ci.low(), ci.high(), ci.kind(), ci.upperBoundOnly(), ess,
                samples, forwardPasses, backwardPasses, seconds, seed);
    }
}
