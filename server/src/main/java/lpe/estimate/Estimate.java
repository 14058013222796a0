package lpe.estimate;

/**
 * An estimate is never a bare number: value, standard error, 95% interval, effective sample size, and the compute
 * it used (forward and backward passes counted as docs/methods.md#usage-defaults-and-uncertainty counts them).
 */
public record Estimate(
        String method,
        double estimate,
        double stdError,
        double ci95Low,
        double ci95High,
        double ess,
        long samples,
        long forwardPasses,
        long backwardPasses,
        double seconds,
        long seed) {}
