package lpe.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.Locale;
import lpe.api.ProtoMapper;
import lpe.jobs.TargetEstimate;
import lpe.v1.Estimate;
import lpe.v1.Job;

/** The JSON the CLI prints for server jobs, in the shapes of the command-line contract (docs/api.md#command-line-contract). */
final class JobJson {

    private JobJson() {}

    /**
     * What {@code lpe estimate --json} prints: method, target, estimate, std_error, ci95, interval_kind,
     * upper_bound_only, ess, passes, seconds, seed.
     */
    static JsonObject estimate(Estimate e) {
        var o = new JsonObject();
        o.addProperty("method", e.getMethod());
        var target = new JsonObject();
        target.addProperty("id", e.getTarget().getId());
        target.addProperty("token", e.getTarget().getToken());
        o.add("target", target);
        o.addProperty("estimate", e.getEstimate());
        o.addProperty("std_error", e.getStdError());
        var ci = new JsonArray();
        ci.add(e.getCi95Low());
        ci.add(e.getCi95High());
        o.add("ci95", ci);
        o.addProperty("interval_kind", intervalKind(e.getIntervalKind()));
        o.addProperty("upper_bound_only", e.getUpperBoundOnly());
        o.addProperty("ess", e.getEss());
        o.addProperty("forward_passes", e.getForwardPasses());
        o.addProperty("backward_passes", e.getBackwardPasses());
        o.addProperty("seconds", e.getSeconds());
        o.addProperty("seed", e.getSeed());
        return o;
    }

    /** A job as {@code lpe jobs --json} lists it: id, request_id, state, reason, result ({"estimates": [..]} or null). */
    static JsonObject job(Job job) {
        var o = new JsonObject();
        o.addProperty("id", job.getId());
        o.addProperty("request_id", job.getRequestId());
        o.addProperty("state", state(job.getState()));
        o.addProperty("reason", job.getReason());
        if (job.hasResult()) {
            var estimates = new JsonArray();
            job.getResult().getEstimatesList().forEach(e -> estimates.add(estimate(e)));
            var result = new JsonObject();
            result.add("estimates", estimates);
            o.add("result", result);
        } else {
            o.add("result", JsonNull.INSTANCE);
        }
        return o;
    }

    /** The interval kind as JSON spells it: weighted_gamma, zero_hit_bound, ... ("unspecified" for old results). */
    static String intervalKind(lpe.v1.IntervalKind kind) {
        return kind == lpe.v1.IntervalKind.UNRECOGNIZED
                ? "unrecognized"
                : kind.name().substring("INTERVAL_KIND_".length()).toLowerCase(Locale.ROOT);
    }

    /** The in-process estimate {@code e} of {@code target} as the server would send it. */
    static Estimate toProto(lpe.estimate.Estimate e, TargetToken target) {
        return ProtoMapper.toProto(new TargetEstimate(target.id(), target.token(), e));
    }

    /** queued, running, succeeded, failed, cancelled, interrupted. */
    static String state(Job.State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }
}
