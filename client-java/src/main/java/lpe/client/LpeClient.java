package lpe.client;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import lpe.v1.CancelJobRequest;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.EstimationServiceGrpc.EstimationServiceBlockingStub;
import lpe.v1.EstimationServiceGrpc.EstimationServiceStub;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.ListJobsRequest;
import lpe.v1.ListJobsResponse;
import lpe.v1.ListModelsRequest;
import lpe.v1.LoadModelRequest;
import lpe.v1.Model;
import lpe.v1.ModelServiceGrpc;
import lpe.v1.SubmitJobRequest;
import lpe.v1.WatchJobRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of an lpe estimation server ({@code lpe.v1.EstimationService}, and the list and load calls of
 * {@code lpe.v1.ModelService}).
 *
 * <p>Every call carries a deadline: {@link Builder#callTimeout} for the unary calls, {@link Builder#watchTimeout} for a
 * watch stream. A call that fails with {@code UNAVAILABLE} is retried (with exponential backoff, up to
 * {@link Builder#maxAttempts} attempts) only when repeating it cannot change anything on the server: get and list
 * always, submit only when it carries a {@code request_id} (the server answers a repeated request_id with the job it
 * already started), cancel never. Every other failure is thrown at once as a {@link StatusRuntimeException}.
 *
 * <pre>{@code
 * try (LpeClient client = LpeClient.builder("localhost:50051").build()) {
 *     JobSpec spec = JobSpec.newBuilder().setModel("stories260K").setPreset("hex").setMethod("itgis")
 *             .addTargets(TargetRef.newBuilder().setToken("▁cat")).setBudget(65536).setSeed(1).build();
 *     Job job = client.submit(spec, UUID.randomUUID().toString());
 *     try (JobWatch watch = client.watch(job.getId())) {
 *         while (watch.hasNext()) job = watch.next();   // one update per progress report
 *     }
 *     System.out.println(job.getResult().getEstimates(0).getEstimate());
 * }
 * }</pre>
 */
public final class LpeClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LpeClient.class);

    private final ManagedChannel channel;
    private final EstimationServiceBlockingStub blocking;
    private final EstimationServiceStub async;
    private final ModelServiceGrpc.ModelServiceBlockingStub models;
    private final Duration callTimeout;
    private final Duration watchTimeout;
    private final RetryPolicy retry;

    private LpeClient(Builder b, ManagedChannel channel) {
        this.channel = channel;
        var intercepted = b.bearerToken == null
                ? channel
                : ClientInterceptors.intercept(channel, new BearerTokenInterceptor(b.bearerToken));
        this.blocking = EstimationServiceGrpc.newBlockingStub(intercepted);
        this.async = EstimationServiceGrpc.newStub(intercepted);
        this.models = ModelServiceGrpc.newBlockingStub(intercepted);
        this.callTimeout = b.callTimeout;
        this.watchTimeout = b.watchTimeout;
        this.retry = new RetryPolicy(b.maxAttempts, b.initialBackoff);
    }

    /** A builder for a client of the server at {@code host:port} (plaintext unless TLS is asked for). */
    public static Builder builder(String hostPort) {
        return new Builder(Objects.requireNonNull(hostPort, "hostPort"), null);
    }

    /** A builder for a client over an existing channel (in-process tests, custom transports); close() shuts it down. */
    public static Builder builder(ManagedChannel channel) {
        return new Builder(null, Objects.requireNonNull(channel, "channel"));
    }

    /**
     * Submits a job and waits for the server to accept it (the job is then queued or running, not finished).
     *
     * @param requestId an idempotency key, or {@code null}/empty for none; with one, a submit that fails with
     *     UNAVAILABLE is retried, and the server returns the job of the first attempt if that one got through
     */
    public Job submit(JobSpec spec, String requestId) {
        var request = submitRequest(spec, requestId);
        return retry.call("SubmitJob", !request.getRequestId().isEmpty(),
                () -> blocking.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).submitJob(request));
    }

    /** {@link #submit} without blocking; the future fails with a {@link StatusRuntimeException}. */
    public CompletableFuture<Job> submitAsync(JobSpec spec, String requestId) {
        var request = submitRequest(spec, requestId);
        return retry.callAsync(!request.getRequestId().isEmpty(),
                () -> unary((stub, observer) -> stub.submitJob(request, observer)));
    }

    /** The job's current snapshot. {@code id} is the bare id or "jobs/{id}"; NOT_FOUND when the server has no such job. */
    public Job get(String id) {
        var request = GetJobRequest.newBuilder().setName(id).build();
        return retry.call("GetJob", true,
                () -> blocking.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).getJob(request));
    }

    /** One page of jobs, newest first. */
    public ListJobsResponse list(ListJobsRequest request) {
        return retry.call("ListJobs", true,
                () -> blocking.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).listJobs(request));
    }

    /** Every job the server holds, newest first, following the pages. */
    public List<Job> listAll() {
        var jobs = new ArrayList<Job>();
        String token = "";
        do {
            var page = list(ListJobsRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
            jobs.addAll(page.getJobsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return jobs;
    }

    /** Cancels the job (never retried); FAILED_PRECONDITION when it is already done, NOT_FOUND when unknown. */
    public Job cancel(String id) {
        var request = CancelJobRequest.newBuilder().setName(id).build();
        return retry.call("CancelJob", false,
                () -> blocking.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).cancelJob(request));
    }

    /**
     * Watches a job: the returned iterator yields its current snapshot, then one {@link Job} per progress update or
     * state change as the server sends them, and ends after the update with {@code done = true}. Closing the watch
     * ends the stream (the job goes on). Iteration throws {@link StatusRuntimeException} if the stream breaks.
     */
    public JobWatch watch(String id) {
        var request = WatchJobRequest.newBuilder().setName(id).build();
        return new JobWatch(blocking.withDeadlineAfter(watchTimeout.toMillis(), TimeUnit.MILLISECONDS), request);
    }

    /** Every model under the server's model root, loaded or not (retried on UNAVAILABLE). */
    public List<Model> listModels() {
        return retry.call("ListModels", true, () -> models.withDeadlineAfter(callTimeout.toMillis(),
                TimeUnit.MILLISECONDS).listModels(ListModelsRequest.getDefaultInstance()).getModelsList());
    }

    /**
     * Loads a model (a directory name under the server's model root) and returns it with its vocabulary size and
     * shape; loading an already loaded model changes nothing, so this is retried on UNAVAILABLE.
     */
    public Model loadModel(String name) {
        var request = LoadModelRequest.newBuilder().setName(name).build();
        return retry.call("LoadModel", true,
                () -> models.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).loadModel(request));
    }

    /** Shuts the channel down, waiting up to 5 seconds for calls in flight. */
    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static SubmitJobRequest submitRequest(JobSpec spec, String requestId) {
        return SubmitJobRequest.newBuilder()
                .setSpec(Objects.requireNonNull(spec, "spec"))
                .setRequestId(requestId == null ? "" : requestId)
                .build();
    }

    private <T> CompletableFuture<T> unary(BiConsumer<EstimationServiceStub, StreamObserver<T>> call) {
        var future = new CompletableFuture<T>();
        call.accept(async.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS), new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                future.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                future.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                future.completeExceptionally(Status.INTERNAL.withDescription("no response").asRuntimeException());
            }
        });
        return future;
    }

    /** Options of an {@link LpeClient}. */
    public static final class Builder {
        private final String hostPort;
        private final ManagedChannel channel;
        private ChannelCredentials credentials = InsecureChannelCredentials.create();
        private String bearerToken;
        private String authority;
        private Duration callTimeout = Duration.ofSeconds(30);
        private Duration watchTimeout = Duration.ofHours(24);
        private int maxAttempts = 4;
        private Duration initialBackoff = Duration.ofMillis(200);

        private Builder(String hostPort, ManagedChannel channel) {
            this.hostPort = hostPort;
            this.channel = channel;
        }

        /** Use TLS, trusting the JVM's default certificate authorities. */
        public Builder tls() {
            credentials = TlsChannelCredentials.create();
            return this;
        }

        /** Use TLS, trusting the certificate authorities in this PEM file (e.g. a self-signed server certificate). */
        public Builder tls(Path trustedCertificatesPem) {
            try {
                credentials = TlsChannelCredentials.newBuilder().trustManager(trustedCertificatesPem.toFile()).build();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read TLS certificates " + trustedCertificatesPem, e);
            }
            return this;
        }

        /** The host name to check the server's TLS certificate against, when it differs from the one dialled. */
        public Builder overrideAuthority(String authority) {
            this.authority = Objects.requireNonNull(authority, "authority");
            return this;
        }

        /** Send {@code authorization: Bearer <token>} with every call. */
        public Builder bearerToken(String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("bearer token must not be empty");
            }
            this.bearerToken = token;
            return this;
        }

        /** Deadline of each unary call attempt (default 30 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive(timeout, "callTimeout");
            return this;
        }

        /** Deadline of a watch stream (default 24 h). */
        public Builder watchTimeout(Duration timeout) {
            this.watchTimeout = positive(timeout, "watchTimeout");
            return this;
        }

        /** Attempts of a retryable call that fails with UNAVAILABLE, the first included (default 4; 1 = no retry). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** Wait before the first retry; each further retry waits twice as long (default 200 ms). */
        public Builder initialBackoff(Duration backoff) {
            this.initialBackoff = positive(backoff, "initialBackoff");
            return this;
        }

        public LpeClient build() {
            if (channel != null) {
                return new LpeClient(this, channel);
            }
            var channelBuilder = Grpc.newChannelBuilder(hostPort, credentials);
            if (authority != null) {
                channelBuilder.overrideAuthority(authority);
            }
            return new LpeClient(this, channelBuilder.build());
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }

    /** Retries a call on UNAVAILABLE when the caller says repeating it is safe. */
    private record RetryPolicy(int maxAttempts, Duration initialBackoff) {

        <T> T call(String what, boolean retryable, Supplier<T> attempt) {
            for (int n = 1; ; n++) {
                try {
                    return attempt.get();
                } catch (StatusRuntimeException e) {
                    if (!shouldRetry(e, retryable, n)) {
                        throw e;
                    }
                    log.debug("{} unavailable (attempt {} of {}), retrying: {}", what, n, maxAttempts, e.getMessage());
                    sleep(backoff(n));
                }
            }
        }

        <T> CompletableFuture<T> callAsync(boolean retryable, Supplier<CompletableFuture<T>> attempt) {
            return callAsync(retryable, attempt, 1);
        }

        private <T> CompletableFuture<T> callAsync(boolean retryable, Supplier<CompletableFuture<T>> attempt, int n) {
            return attempt.get().handle((value, error) -> {
                if (error == null) {
                    return CompletableFuture.completedFuture(value);
                }
                var cause = error instanceof java.util.concurrent.CompletionException c ? c.getCause() : error;
                if (cause instanceof StatusRuntimeException e && shouldRetry(e, retryable, n)) {
                    Executor later = CompletableFuture.delayedExecutor(backoff(n).toMillis(), TimeUnit.MILLISECONDS);
                    return CompletableFuture.supplyAsync(() -> null, later)
                            .thenCompose(ignored -> callAsync(retryable, attempt, n + 1));
                }
                return CompletableFuture.<T>failedFuture(cause);
            }).thenCompose(f -> f);
        }

        private boolean shouldRetry(StatusRuntimeException e, boolean retryable, int attempt) {
            return retryable && attempt < maxAttempts && e.getStatus().getCode() == Status.Code.UNAVAILABLE;
        }

        private Duration backoff(int attempt) {
            return initialBackoff.multipliedBy(1L << Math.min(attempt - 1, 10));
        }

        private static void sleep(Duration d) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted while waiting to retry").asRuntimeException();
            }
        }
    }
}
