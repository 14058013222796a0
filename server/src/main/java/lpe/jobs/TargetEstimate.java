package lpe.jobs;

import lpe.estimate.Estimate;

/** One target's estimate: the token id, its tokenizer.json spelling, and the estimate. */
public record TargetEstimate(int id, String token, Estimate estimate) {}
