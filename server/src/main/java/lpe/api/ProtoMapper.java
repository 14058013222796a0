package lpe.api;

import com.google.protobuf.Timestamp;
import com.google.rpc.Code;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import lpe.estimate.Estimate;
import lpe.jobs.Job;
import lpe.jobs.JobSpec;
import lpe.jobs.JobState;
import lpe.jobs.ModelInfo;
import lpe.jobs.TargetEstimate;
import lpe.v1.JobResult;
import lpe.v1.Model;
import lpe.v1.Progress;
import lpe.v1.Target;
import lpe.v1.TargetRef;

/** Converts between the lpe.v1 messages and the server's records. */
public final class ProtoMapper {
    private ProtoMapper() {}

    /** The spec as stored; targets by id become {@code id:N}; {@code seed} is the one the job will use. */
    static JobSpec toSpec(lpe.v1.JobSpec p, long seed) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < p.getTargetsCount(); i++) {
            TargetRef t = p.getTargets(i);
            switch (t.getRefCase()) {
                case TOKEN -> targets.add(t.getToken());
                case ID -> targets.add("id:" + t.getId());
                case REF_NOT_SET -> throw Errors.invalid("spec.targets[" + i + "]", "set token or id");
            }
        }
        return new JobSpec(
                p.getModel(),
                p.getDistributionCase() == lpe.v1.JobSpec.DistributionCase.PRESET ? p.getPreset() : null,
                p.getDistributionCase() == lpe.v1.JobSpec.DistributionCase.SPEC_JSON ? p.getSpecJson() : null,
                targets,
                p.getBehavior().isEmpty() ? "argmax" : p.getBehavior(),
                p.getMethod(),
                p.getBudget(),
                p.hasTemperature() ? p.getTemperature() : null,
                seed,
                p.hasDefensiveShare() ? p.getDefensiveShare() : null,
                p.hasPilotFraction() ? p.getPilotFraction() : null,
                p.getTemperatureRule().isEmpty() ? null : p.getTemperatureRule());
    }

    static lpe.v1.JobSpec toProto(JobSpec s) {
        lpe.v1.JobSpec.Builder b = lpe.v1.JobSpec.newBuilder()
                .setModel(s.model())
                .setBehavior(s.behavior())
                .setMethod(s.method())
                .setBudget(s.budget())
                .setSeed(s.seed());
        if (s.preset() != null) {
            b.setPreset(s.preset());
        } else if (s.specJson() != null) {
            b.setSpecJson(s.specJson());
        }
        for (String t : s.targets()) {
            b.addTargets(t.startsWith("id:") && t.substring(3).matches("\\d{1,9}")
                    ? TargetRef.newBuilder().setId(Integer.parseInt(t.substring(3)))
                    : TargetRef.newBuilder().setToken(t));
        }
        if (s.temperature() != null) {
            b.setTemperature(s.temperature());
        }
        if (s.defensiveShare() != null) {
            b.setDefensiveShare(s.defensiveShare());
        }
        if (s.pilotFraction() != null) {
            b.setPilotFraction(s.pilotFraction());
        }
        if (s.temperatureRule() != null) {
            b.setTemperatureRule(s.temperatureRule());
        }
        return b.build();
    }

    static lpe.v1.Job toProto(Job j) {
        lpe.v1.Job.Builder b = lpe.v1.Job.newBuilder()
                .setName("jobs/" + j.id())
                .setId(j.id())
                .setRequestId(j.requestId())
                .setSpec(toProto(j.spec()))
                .setState(lpe.v1.Job.State.valueOf(j.state().name()))
                .setReason(j.reason())
                .setDone(j.state().isFinal())
                .setProgress(toProto(j.progress()))
                .setCreateTime(timestamp(j.createdAt()));
        if (j.startedAt() != null) {
            b.setStartTime(timestamp(j.startedAt()));
        }
        if (j.endedAt() != null) {
            b.setEndTime(timestamp(j.endedAt()));
        }
        if (j.state() == JobState.SUCCEEDED) {
            JobResult.Builder r = JobResult.newBuilder();
            j.results().forEach(t -> r.addEstimates(toProto(t)));
            b.setResult(r);
        } else if (j.state().isFinal()) {
            Code code = switch (j.state()) {
                case CANCELLED -> Code.CANCELLED;
                case INTERRUPTED -> Code.ABORTED;
                default -> Code.INTERNAL;
            };
            b.setError(com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(j.reason()));
        }
        return b.build();
    }

    static Progress toProto(lpe.jobs.Progress p) {
        Progress.Builder b = Progress.newBuilder()
                .setSamplesDone(p.samplesDone())
                .setBudget(p.budget())
                .setRate(p.rate())
                .setDeviceSeconds(p.deviceSeconds());
        p.current().forEach(t -> b.addCurrent(toProto(t)));
        return b.build();
    }

    /** A target's estimate as the API sends it (also what the CLI prints for an in-process run). */
    public static lpe.v1.Estimate toProto(TargetEstimate t) {
        Estimate e = t.estimate();
        return lpe.v1.Estimate.newBuilder()
                .setMethod(e.method())
                .setTarget(Target.newBuilder().setId(t.id()).setToken(t.token()))
                .setEstimate(e.estimate())
                .setStdError(e.stdError())
                .setCi95Low(e.ci95Low())
                .setCi95High(e.ci95High())
                .setIntervalKind(e.intervalKind() == null
                        ? lpe.v1.IntervalKind.INTERVAL_KIND_UNSPECIFIED
                        : lpe.v1.IntervalKind.valueOf("INTERVAL_KIND_" + e.intervalKind().name()))
                .setUpperBoundOnly(e.upperBoundOnly())
                .setEss(e.ess())
                .setSamples(e.samples())
                .setForwardPasses(e.forwardPasses())
                .setBackwardPasses(e.backwardPasses())
                .setSeconds(e.seconds())
                .setSeed(e.seed())
                .build();
    }

    static Model toProto(ModelInfo m) {
        Model.Builder b = Model.newBuilder()
                .setName("models/" + m.name())
                .setModelId(m.name())
                .setState(m.loaded() ? Model.State.LOADED : Model.State.AVAILABLE);
        if (m.loaded()) {
            b.setArchitecture(m.architecture())
                    .setVocabularySize(m.shape().vocabularySize())
                    .setModelWidth(m.shape().modelWidth())
                    .setContextLength(m.shape().contextLength());
        }
        return b.build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    /** "jobs/{id}" or a bare id; refuses empty or malformed names. */
    static String resourceId(String name, String collection, String field) {
        String id = name.startsWith(collection + "/") ? name.substring(collection.length() + 1) : name;
        if (id.isEmpty() || id.length() > 128 || !id.matches("[A-Za-z0-9._-]+")) {
            throw Errors.invalid(field, "'" + name + "' is not a " + collection.substring(0, collection.length() - 1)
                    + " name; expected " + collection + "/{id} or the bare id");
        }
        return id;
    }
}
