package lpe.client;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import lpe.v1.CancelJobRequest;
import lpe.v1.Estimate;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobResult;
import lpe.v1.ListJobsRequest;
import lpe.v1.ListJobsResponse;
import lpe.v1.Progress;
import lpe.v1.SubmitJobRequest;
import lpe.v1.Target;
import lpe.v1.WatchJobRequest;

/**
 * A scripted stand-in for the estimation server: jobs are kept in memory, a watch replays {@link #script} (progress
 * snapshots with a fixed estimate path) and then the final job. The numbers are made up; tests compare what the client
 * delivers against this script.
 */
public class FakeEstimationService extends EstimationServiceGrpc.EstimationServiceImplBase {

    /** The final estimate of every job this fake finishes. */
    public static final Estimate FINAL = estimate(3.0e-7, 1.0e-7, 4096);

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Map<String, String> byRequestId = new LinkedHashMap<>();
    public final AtomicInteger submitCalls = new AtomicInteger();
    /** Whether watches end with the job succeeded (true) or hang open after the progress (false) until cancelled. */
    public volatile boolean finishWatches = true;
    /** Released when a hanging watch is cancelled by its client. */
    public final CountDownLatch watchCancelled = new CountDownLatch(1);

    public static Estimate estimate(double p, double se, long samples) {
        return Estimate.newBuilder().setMethod("itgis").setTarget(Target.newBuilder().setId(42).setToken("▁cat"))
                .setEstimate(p).setStdError(se).setCi95Low(p - 1.96 * se).setCi95High(p + 1.96 * se)
                .setEss(samples / 2.0).setSamples(samples).setForwardPasses(samples).setBackwardPasses(samples / 256)
                .setSeconds(samples / 1000.0).setSeed(7).build();
    }

    /** The progress snapshots a watch sends before the final job. */
    public static List<Progress> script() {
        var list = new ArrayList<Progress>();
        for (int i = 1; i <= 3; i++) {
            list.add(Progress.newBuilder().setSamplesDone(1024L * i).setBudget(4096).setRate(1000)
                    .addCurrent(estimate(1.0e-7 * i, 2.0e-7 / i, 1024L * i)).build());
        }
        return list;
    }

    public synchronized int jobCount() {
        return jobs.size();
    }

    public synchronized Job put(Job job) {
        jobs.put(job.getId(), job);
        return job;
    }

    @Override
    public synchronized void submitJob(SubmitJobRequest request, StreamObserver<Job> out) {
        submitCalls.incrementAndGet();
        if (request.getSpec().getModel().isEmpty()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("spec.model: a model name is required").asException());
            return;
        }
        var existing = byRequestId.get(request.getRequestId());
        if (existing != null) {
            out.onNext(jobs.get(existing));
            out.onCompleted();
            return;
        }
        var id = "j" + (jobs.size() + 1);
        var job = put(Job.newBuilder().setName("jobs/" + id).setId(id).setRequestId(request.getRequestId())
                .setSpec(request.getSpec()).setState(Job.State.QUEUED).build());
        if (!request.getRequestId().isEmpty()) {
            byRequestId.put(request.getRequestId(), id);
        }
        out.onNext(job);
        out.onCompleted();
    }

    @Override
    public void watchJob(WatchJobRequest request, StreamObserver<Job> out) {
        Job job = find(request.getName(), out);
        if (job == null) {
            return;
        }
        if (job.getDone()) {
            out.onNext(job);
            out.onCompleted();
            return;
        }
        for (var progress : script()) {
            out.onNext(job.toBuilder().setState(Job.State.RUNNING).setProgress(progress).build());
        }
        if (!finishWatches) {
            ((ServerCallStreamObserver<Job>) out).setOnCancelHandler(watchCancelled::countDown);
            return;
        }
        var done = put(job.toBuilder().setState(Job.State.SUCCEEDED).setDone(true).setProgress(script().getLast())
                .setResult(JobResult.newBuilder().addEstimates(FINAL)).build());
        out.onNext(done);
        out.onCompleted();
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> out) {
        Job job = find(request.getName(), out);
        if (job != null) {
            out.onNext(job);
            out.onCompleted();
        }
    }

    @Override
    public synchronized void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> out) {
        var all = new ArrayList<>(jobs.values()).reversed();
        int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
        int size = request.getPageSize() == 0 ? 100 : Math.min(request.getPageSize(), 2); // small pages: test paging
        int to = Math.min(all.size(), from + size);
        out.onNext(ListJobsResponse.newBuilder().addAllJobs(all.subList(from, to))
                .setNextPageToken(to < all.size() ? Integer.toString(to) : "").build());
        out.onCompleted();
    }

    @Override
    public synchronized void cancelJob(CancelJobRequest request, StreamObserver<Job> out) {
        Job job = find(request.getName(), out);
        if (job == null) {
            return;
        }
        if (job.getDone()) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("job " + job.getId() + " is already "
                    + job.getState().name().toLowerCase()).asException());
            return;
        }
        var cancelled = put(job.toBuilder().setState(Job.State.CANCELLED).setDone(true)
                .setReason("cancelled by the client").build());
        out.onNext(cancelled);
        out.onCompleted();
    }

    private synchronized Job find(String name, StreamObserver<Job> out) {
        var id = name.startsWith("jobs/") ? name.substring(5) : name;
        var job = jobs.get(id);
        if (job == null) {
            out.onError(Status.NOT_FOUND.withDescription("no job " + id).asException());
        }
        return job;
    }
}
