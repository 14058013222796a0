package lpe.api;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import lpe.jobs.JobRunner;
import lpe.jobs.JobSpec;
import lpe.jobs.JobState;
import lpe.v1.CancelJobRequest;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import lpe.v1.ListJobsResponse;
import lpe.v1.SubmitJobRequest;
import lpe.v1.WatchJobRequest;

/** lpe.v1.EstimationService over the {@link JobRunner}. */
final class EstimationService extends EstimationServiceGrpc.EstimationServiceImplBase {
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    private final JobRunner runner;
    private final SecureRandom seeds = new SecureRandom();

    @Inject
    EstimationService(JobRunner runner) {
        this.runner = runner;
    }

    @Override
    public void submitJob(SubmitJobRequest request, StreamObserver<Job> response) {
        unary(response, () -> {
            if (request.getRequestId().length() > 128) {
                throw Errors.invalid("request_id", "is " + request.getRequestId().length()
                        + " characters; at most 128");
            }
            if (request.getRequestId().chars().anyMatch(Character::isISOControl)) {
                throw Errors.invalid("request_id", "contains a control character (newline, tab, escape...); use"
                        + " printable characters");
            }
            if (!request.hasSpec()) {
                throw Errors.invalid("spec", "a job spec is required");
            }
            long seed = request.getSpec().hasSeed() ? request.getSpec().getSeed() : seeds.nextLong() >>> 1;
            JobSpec spec = ProtoMapper.toSpec(request.getSpec(), seed);
            if (Context.current().isCancelled()) {
                throw Status.DEADLINE_EXCEEDED.withDescription("the call ended before the job was enqueued")
                        .asRuntimeException();
            }
            return ProtoMapper.toProto(runner.submit(spec, request.getRequestId(), request.getSpec().hasSeed(),
                    AuthInterceptor.caller()));
        });
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> response) {
        unary(response, () -> ProtoMapper.toProto(runner.get(ProtoMapper.resourceId(request.getName(), "jobs", "name"),
                AuthInterceptor.caller())));
    }

    @Override
    public void cancelJob(CancelJobRequest request, StreamObserver<Job> response) {
        unary(response, () ->
                ProtoMapper.toProto(runner.cancel(ProtoMapper.resourceId(request.getName(), "jobs", "name"),
                        AuthInterceptor.caller())));
    }

    @Override
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
        unary(response, () -> {
            if (request.getPageSize() < 0 || request.getPageSize() > MAX_PAGE) {
                throw Errors.invalid("page_size", "must be in [0, " + MAX_PAGE + "], got " + request.getPageSize());
            }
            int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
            int offset = 0;
            if (!request.getPageToken().isEmpty()) {
                try {
                    offset = Integer.parseInt(request.getPageToken());
                } catch (NumberFormatException e) {
                    offset = -1;
                }
                if (offset < 0) {
                    throw Errors.invalid("page_token", "'" + request.getPageToken()
                            + "' is not a token from a previous ListJobsResponse");
                }
            }
            JobState state = switch (request.getState()) {
                case STATE_UNSPECIFIED -> null;
                case UNRECOGNIZED -> throw Errors.invalid("state", "unknown state " + request.getStateValue());
                default -> JobState.valueOf(request.getState().name());
            };
            var jobs = runner.list(state, size + 1, offset, AuthInterceptor.caller());
            ListJobsResponse.Builder b = ListJobsResponse.newBuilder();
            jobs.stream().limit(size).forEach(j -> b.addJobs(ProtoMapper.toProto(j)));
            if (jobs.size() > size) {
                b.setNextPageToken(Integer.toString(offset + size));
            }
            return b.build();
        });
    }

    /**
     * The job's snapshot now, then every update, until the final one. Updates that find the client's buffer full are
     * skipped (the next one supersedes them), so a slow reader costs bounded memory; the final one is always sent.
     * A client that disconnects or whose deadline passes just stops watching; the job runs on.
     */
    @Override
    public void watchJob(WatchJobRequest request, StreamObserver<Job> response) {
        ServerCallStreamObserver<Job> call = (ServerCallStreamObserver<Job>) response;
        AtomicBoolean closed = new AtomicBoolean();
        AutoCloseable subscription;
        try {
            String id = ProtoMapper.resourceId(request.getName(), "jobs", "name");
            subscription = runner.watch(id, AuthInterceptor.caller(), job -> {
                synchronized (closed) {
                    if (closed.get() || call.isCancelled()) {
                        return;
                    }
                    boolean last = job.state().isFinal();
                    if (!last && !call.isReady()) {
                        return;
                    }
                    call.onNext(ProtoMapper.toProto(job));
                    if (last) {
                        closed.set(true);
                        call.onCompleted();
                    }
                }
            });
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        call.setOnCancelHandler(() -> {
            closed.set(true);
            try {
                subscription.close();
            } catch (Exception ignored) {
                // closing a subscription only removes a listener
            }
        });
        if (closed.get()) {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // as above
            }
        }
    }

    private static <T> void unary(StreamObserver<T> response, java.util.function.Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            response.onError(Errors.toStatus(e));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
