package lpe.jobs;

import java.time.Instant;
import java.util.List;

/**
 * An immutable snapshot of a job. Once the state is final, {@code results} (succeeded) or {@code reason} (failed,
 * cancelled, interrupted) says how it ended.
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
        Instant endedAt) {

    public Job {
        results = results == null ? List.of() : List.copyOf(results);
    }

    public Job withState(JobState newState, String newReason, Instant now) {
        return new Job(id, requestId, spec, newState, newReason, progress, results, createdAt,
                newState == JobState.RUNNING ? now : startedAt, newState.isFinal() ? now : endedAt);
    }

    public Job withProgress(Progress newProgress) {
        return new Job(id, requestId, spec, state, reason, newProgress, results, createdAt, startedAt, endedAt);
    }

    /** Queued again to resume (after a restart): not started, its last progress snapshot kept. */
    public Job requeued() {
        return new Job(id, requestId, spec, JobState.QUEUED, "", progress, List.of(), createdAt, null, null);
    }

    public Job succeeded(List<TargetEstimate> estimates, Instant now) {
        return new Job(id, requestId, spec, JobState.SUCCEEDED, "", progress, estimates, createdAt, startedAt, now);
    }
}
