package lpe.jobs;

import java.time.Instant;
import java.util.List;

/**
 * An immutable snapshot of a job. Once the state is final, {@code results} (succeeded) or {@code reason} (failed,
 * cancelled, interrupted) says how it ended. {@code owner} names the identity that submitted it ("" with no
 * authentication; see {@link Caller}).
 */
public record Job(
        String id,
        String requestId,
        JobSpec spec,
        JobState state,
        String reason,
        Progress progress,
        List<TargetEstimate> results,
        Instant createdAt,
        Instant startedAt,
        Instant endedAt,
        String owner) {

    public Job {
        results = results == null ? List.of() : List.copyOf(results);
        owner = owner == null ? "" : owner;
    }

    /** A job with no owner (submitted to a server with no authentication). */
    public Job(String id, String requestId, JobSpec spec, JobState state, String reason, Progress progress,
            List<TargetEstimate> results, Instant createdAt, Instant startedAt, Instant endedAt) {
        this(id, requestId, spec, state, reason, progress, results, createdAt, startedAt, endedAt, "");
    }

    public Job withState(JobState newState, String newReason, Instant now) {
        return new Job(id, requestId, spec, newState, newReason, progress, results, createdAt,
                newState == JobState.RUNNING ? now : startedAt, newState.isFinal() ? now : endedAt, owner);
    }

    public Job withProgress(Progress newProgress) {
        return new Job(id, requestId, spec, state, reason, newProgress, results, createdAt, startedAt, endedAt, owner);
    }

    /** Queued again to resume (after a restart): not started, its last progress snapshot kept. */
    public Job requeued() {
        return new Job(id, requestId, spec, JobState.QUEUED, "", progress, List.of(), createdAt, null, null, owner);
    }

    public Job succeeded(List<TargetEstimate> estimates, Instant now) {
        return new Job(id, requestId, spec, JobState.SUCCEEDED, "", progress, estimates, createdAt, startedAt, now,
                owner);
    }
}
