package lpe.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.TargetRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LpeClientTest {

    private static final JobSpec SPEC = JobSpec.newBuilder().setModel("stories260K").setPreset("hex")
            .setMethod("itgis").addTargets(TargetRef.newBuilder().setToken("▁cat")).setBudget(4096).setSeed(7).build();

    private final FakeEstimationService fake = new FakeEstimationService();
    /** Submit calls whose response the network "loses": the server ran them, the client sees UNAVAILABLE. */
    private final AtomicInteger submitsToLose = new AtomicInteger();
    private final AtomicInteger submitsToRefuse = new AtomicInteger();
    private final String name = InProcessServerBuilder.generateName();
    private Server server;
    private LpeClient client;

    private LpeClient start(io.grpc.BindableService service, LpeClient.Builder options) throws Exception {
        server = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(service, new FlakySubmits()))
                .build().start();
        client = options.build();
        return client;
    }

    private LpeClient.Builder options() {
        return LpeClient.builder(InProcessChannelBuilder.forName(name).build()).initialBackoff(Duration.ofMillis(10));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void submitThenWatchYieldsEveryUpdateInOrderAndTheResult() throws Exception {
        start(fake, options());
        Job job = client.submit(SPEC, "r1");
        assertEquals(Job.State.QUEUED, job.getState());
        assertEquals(SPEC, job.getSpec());

        var updates = new ArrayList<Job>();
        try (var watch = client.watch(job.getId())) {
            watch.forEachRemaining(updates::add);
        }
        var script = FakeEstimationService.script();
        assertEquals(script.size() + 1, updates.size());
        for (int i = 0; i < script.size(); i++) {
            assertEquals(script.get(i), updates.get(i).getProgress());
            assertFalse(updates.get(i).getDone());
        }
        Job last = updates.getLast();
        assertTrue(last.getDone());
        assertEquals(Job.State.SUCCEEDED, last.getState());
        assertEquals(FakeEstimationService.FINAL, last.getResult().getEstimates(0));
        assertEquals(last, client.get("jobs/" + job.getId()));
    }

    @Test
    void submitAsyncCompletesWithTheJob() throws Exception {
        start(fake, options());
        Job job = client.submitAsync(SPEC, "r-async").get(10, TimeUnit.SECONDS);
        assertEquals("r-async", job.getRequestId());
        assertEquals(1, fake.jobCount());
    }

    @Test
    void aLostSubmitResponseIsRetriedWithTheRequestIdAndStartsOneJob() throws Exception {
        start(fake, options());
        submitsToLose.set(2);
        Job job = client.submit(SPEC, "r-lost");
        assertEquals(3, fake.submitCalls.get(), "two lost attempts, then one answered");
        assertEquals(1, fake.jobCount(), "the retries returned the job of the first attempt");
        assertEquals(fake.jobCount(), client.listAll().size());
        assertEquals("r-lost", job.getRequestId());
    }

    @Test
    void asyncSubmitRetriesTooAndStartsOneJob() throws Exception {
        start(fake, options());
        submitsToLose.set(1);
        Job job = client.submitAsync(SPEC, "r-async-lost").get(10, TimeUnit.SECONDS);
        assertEquals(2, fake.submitCalls.get());
        assertEquals(1, fake.jobCount());
        assertEquals("j1", job.getId());
    }

    @Test
    void withoutRequestIdUnavailableIsNotRetried() throws Exception {
        start(fake, options());
        submitsToLose.set(1);
        var e = assertThrows(StatusRuntimeException.class, () -> client.submit(SPEC, null));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(1, fake.submitCalls.get());
        submitsToLose.set(1);
        var async = assertThrows(CompletionException.class, () -> client.submitAsync(SPEC, "").join());
        assertEquals(Status.Code.UNAVAILABLE, ((StatusRuntimeException) async.getCause()).getStatus().getCode());
        assertEquals(2, fake.submitCalls.get());
    }

    @Test
    void retriesStopAfterMaxAttempts() throws Exception {
        start(fake, options().maxAttempts(3));
        submitsToRefuse.set(10);
        var e = assertThrows(StatusRuntimeException.class, () -> client.submit(SPEC, "r-down"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(3, 10 - submitsToRefuse.get(), "exactly maxAttempts attempts reached the server");
        assertEquals(0, fake.jobCount());
    }

    @Test
    void otherErrorsAreNotRetried() throws Exception {
        start(fake, options());
        var e = assertThrows(StatusRuntimeException.class,
                () -> client.submit(SPEC.toBuilder().clearModel().build(), "r-bad"));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("spec.model"), e.getMessage());
        assertEquals(1, fake.submitCalls.get());
    }

    @Test
    void unknownJobIsNotFound() throws Exception {
        start(fake, options());
        assertEquals(Status.Code.NOT_FOUND,
                assertThrows(StatusRuntimeException.class, () -> client.get("nope")).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND,
                assertThrows(StatusRuntimeException.class, () -> client.cancel("nope")).getStatus().getCode());
        var watch = client.watch("nope");
        assertEquals(Status.Code.NOT_FOUND,
                assertThrows(StatusRuntimeException.class, watch::hasNext).getStatus().getCode());
    }

    @Test
    void cancelMarksTheJobCancelledAndCancellingTwiceIsRefused() throws Exception {
        start(fake, options());
        Job job = client.submit(SPEC, "r-c");
        Job cancelled = client.cancel(job.getId());
        assertEquals(Job.State.CANCELLED, cancelled.getState());
        assertTrue(cancelled.getDone());
        var e = assertThrows(StatusRuntimeException.class, () -> client.cancel(job.getId()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    }

    @Test
    void listAllFollowsEveryPageNewestFirst() throws Exception {
        start(fake, options());
        for (int i = 0; i < 5; i++) {
            client.submit(SPEC, "r" + i);
        }
        var ids = client.listAll().stream().map(Job::getId).toList();
        assertEquals(java.util.List.of("j5", "j4", "j3", "j2", "j1"), ids);
    }

    @Test
    void everyUnaryCallHasADeadline() throws Exception {
        var silent = new FakeEstimationService() {
            @Override
            public void getJob(GetJobRequest request, StreamObserver<Job> out) {
                // never answers
            }
        };
        start(silent, options().callTimeout(Duration.ofMillis(200)));
        var e = assertThrows(StatusRuntimeException.class, () -> client.get("j1"));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }

    @Test
    void closingAWatchCancelsTheStreamOnTheServer() throws Exception {
        fake.finishWatches = false;
        start(fake, options());
        Job job = client.submit(SPEC, "r-w");
        var watch = client.watch(job.getId());
        for (int i = 0; i < FakeEstimationService.script().size(); i++) {
            assertTrue(watch.hasNext());
            watch.next();
        }
        watch.close();
        assertTrue(fake.watchCancelled.await(10, TimeUnit.SECONDS), "the server saw the stream cancelled");
        assertEquals(Job.State.QUEUED, client.get(job.getId()).getState(), "the job itself was not touched");
    }

    @Test
    void aServerThatGoesAwayMidStreamBreaksTheWatchWithUnavailable() throws Exception {
        fake.finishWatches = false;
        start(fake, options());
        var watch = client.watch(client.submit(SPEC, "r-gone").getId());
        watch.next();
        server.shutdownNow();
        var e = assertThrows(StatusRuntimeException.class, () -> {
            while (watch.hasNext()) {
                watch.next();
            }
        });
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    /** Fails SubmitJob calls as an unreliable network would: after the server ran it, or before. */
    private final class FlakySubmits implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            if (!call.getMethodDescriptor().getBareMethodName().equals("SubmitJob")) {
                return next.startCall(call, headers);
            }
            if (submitsToRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                call.close(Status.UNAVAILABLE.withDescription("server is starting"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            if (submitsToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return next.startCall(new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendMessage(R message) {
                        // lost on the way back
                    }

                    @Override
                    public void close(Status status, Metadata trailers) {
                        super.close(Status.UNAVAILABLE.withDescription("connection reset"), new Metadata());
                    }
                }, headers);
            }
            return next.startCall(call, headers);
        }
    }
}
