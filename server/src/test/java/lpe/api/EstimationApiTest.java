package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import lpe.estimate.Estimate;
import lpe.jobs.Reference;
import lpe.v1.CancelJobRequest;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import lpe.v1.ListJobsResponse;
import lpe.v1.SubmitJobRequest;
import lpe.v1.TargetRef;
import lpe.v1.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EstimationApiTest {
    @TempDir
    Path dir;

    static void assertSame(Estimate want, lpe.v1.Estimate got) {
        assertEquals(want.estimate(), got.getEstimate());
        assertEquals(want.stdError(), got.getStdError());
        assertEquals(want.ci95Low(), got.getCi95Low());
        assertEquals(want.ci95High(), got.getCi95High());
        assertEquals(want.samples(), got.getSamples());
        assertEquals(want.forwardPasses(), got.getForwardPasses());
        assertEquals(want.seed(), got.getSeed());
    }

    @Test
    void submitWatchAndGetCarryTheWholeEstimate() throws Exception {
        try (TestServer s = new TestServer(dir, 1, 8, 8, null, false)) {
            Job job = s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(5, 2048, 11)).build());
            assertEquals("jobs/" + job.getId(), job.getName());
            assertFalse(job.getDone());
            List<Job> updates = new ArrayList<>();
            s.jobs().watchJob(WatchJobRequest.newBuilder().setName(job.getName()).build()).forEachRemaining(updates::add);
            Job last = updates.getLast();
            assertTrue(last.getDone());
            assertEquals(Job.State.SUCCEEDED, last.getState());
            long previous = -1;
            for (Job u : updates) {
                assertTrue(u.getProgress().getSamplesDone() >= previous, "progress went backwards");
                previous = u.getProgress().getSamplesDone();
            }
            assertEquals(2048, last.getProgress().getSamplesDone());
            lpe.v1.Estimate e = last.getResult().getEstimates(0);
            assertEquals("naive", e.getMethod());
            assertEquals(5, e.getTarget().getId());
            assertEquals("t5", e.getTarget().getToken());
            assertSame(Reference.naive(5, 2048, 11), e);
            assertEquals(last.getResult(), s.jobs().getJob(GetJobRequest.newBuilder().setName(job.getId()).build())
                    .getResult());
        }
    }

    @Test
    void manyClientsWithConcurrentJobsEachGetTheirOwnCorrectResult() throws Exception {
        try (TestServer s = new TestServer(dir, 1, 64, 64, null, false);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Job>> results = new ArrayList<>();
            for (int c = 0; c < 24; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    var stub = EstimationServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
                    Job job = stub.submitJob(SubmitJobRequest.newBuilder()
                            .setSpec(TestServer.spec(client % 32, 512, 1000 + client)).build());
                    Iterator<Job> it = stub.watchJob(WatchJobRequest.newBuilder().setName(job.getName()).build());
                    Job last = job;
                    while (it.hasNext()) {
                        last = it.next();
                    }
                    return last;
                }));
            }
            for (int c = 0; c < 24; c++) {
                Job last = results.get(c).get(60, TimeUnit.SECONDS);
                assertEquals(Job.State.SUCCEEDED, last.getState(), last.getReason());
                assertSame(Reference.naive(c % 32, 512, 1000 + c), last.getResult().getEstimates(0));
            }
            ListJobsResponse all = s.jobs().listJobs(ListJobsRequest.newBuilder().setPageSize(10).build());
            assertEquals(10, all.getJobsCount());
            ListJobsResponse rest = s.jobs().listJobs(
                    ListJobsRequest.newBuilder().setPageSize(100).setPageToken(all.getNextPageToken()).build());
            assertEquals(14, rest.getJobsCount());
            assertEquals("", rest.getNextPageToken());
        }
    }

    @Test
    void manyTargetsInOneSubmitShareRowsAndMatchSingleTargetJobs() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 8, 8, null, false)) {
            var spec = TestServer.spec(1, 512, 3).addTargets(TargetRef.newBuilder().setId(2))
                    .addTargets(TargetRef.newBuilder().setToken("t3"));
            Job done = s.await(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getId());
            assertEquals(3, done.getResult().getEstimatesCount());
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, done.getResult().getEstimates(i).getTarget().getId());
                assertSame(Reference.naive(i + 1, 512, 3), done.getResult().getEstimates(i));
            }
            int rowsRun = s.loader.lastEngine.batches().stream().mapToInt(b -> b.rows()).sum();
            // 3 x 512 rows asked for; each sampled row runs once (fewer when a batch samples the same input twice).
            assertTrue(rowsRun <= 512, "rows run: " + rowsRun);
        }
    }

    @Test
    void cancellationOverGrpcStopsTheJobAndEndsItsWatchers() throws Exception {
        try (TestServer s = new TestServer(dir, 10, 8, 8, null, false)) {
            Job job = s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 1 << 22, 1)).build());
            Iterator<Job> watch = s.jobs().watchJob(WatchJobRequest.newBuilder().setName(job.getName()).build());
            watch.next();
            Job cancelled = s.jobs().cancelJob(CancelJobRequest.newBuilder().setName(job.getName()).build());
            assertEquals(Job.State.CANCELLED, cancelled.getState());
            assertTrue(cancelled.getDone());
            assertEquals(Status.Code.CANCELLED.value(), cancelled.getError().getCode());
            Job last = null;
            while (watch.hasNext()) {
                last = watch.next();
            }
            assertEquals(Job.State.CANCELLED, last.getState());
        }
    }

    @Test
    void anExpiredDeadlineEndsTheWatchButNotTheJob() throws Exception {
        try (TestServer s = new TestServer(dir, 10, 8, 8, null, false)) {
            Job job = s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 1 << 22, 1)).build());
            // RUNNING before the watch, so that "still RUNNING" below cannot be a job that was slow to start.
            lpe.jobs.Waits.until(() -> s.jobs().getJob(GetJobRequest.newBuilder().setName(job.getName()).build())
                    .getState() == Job.State.RUNNING, "the job to run");
            var shortLived = EstimationServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> shortLived
                    .watchJob(WatchJobRequest.newBuilder().setName(job.getName()).build()).forEachRemaining(j -> {}));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            Job still = s.jobs().getJob(GetJobRequest.newBuilder().setName(job.getName()).build());
            assertEquals(Job.State.RUNNING, still.getState());
            StatusRuntimeException expired = assertThrows(StatusRuntimeException.class, () ->
                    EstimationServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(1, TimeUnit.NANOSECONDS)
                            .getJob(GetJobRequest.newBuilder().setName(job.getName()).build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, expired.getStatus().getCode());
            s.jobs().cancelJob(CancelJobRequest.newBuilder().setName(job.getName()).build());
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamLeavesTheJobRunning() throws Exception {
        try (TestServer s = new TestServer(dir, 2, 8, 8, null, false)) {
            Job job = s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(4, 4096, 9)).build());
            Context.CancellableContext client = Context.current().withCancellation();
            client.run(() -> {
                Iterator<Job> it = s.jobs().watchJob(WatchJobRequest.newBuilder().setName(job.getName()).build());
                it.next();
            });
            client.cancel(null);
            Job done = s.await(job.getId());
            assertEquals(Job.State.SUCCEEDED, done.getState());
            assertSame(Reference.naive(4, 4096, 9), done.getResult().getEstimates(0));
        }
    }

    @Test
    void healthServesOnceModelsAreWarmAndReflectionListsTheServices() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 8, 8, null, false)) {
            HealthCheckResponse health = HealthGrpc.newBlockingStub(s.channel)
                    .check(HealthCheckRequest.newBuilder().setService("lpe.v1.EstimationService").build());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
            assertEquals(1, s.loader.loads.get(), "the preload model must be loaded before SERVING");
            var reflection = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(s.channel);
            var names = new java.util.concurrent.LinkedBlockingQueue<List<String>>();
            var requests = reflection.serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                    names.add(r.getListServicesResponse().getServiceList().stream()
                            .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            });
            requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
            List<String> services = names.poll(10, TimeUnit.SECONDS);
            requests.onCompleted();
            assertTrue(services.containsAll(List.of("lpe.v1.EstimationService", "lpe.v1.ModelService",
                    "grpc.health.v1.Health")), services.toString());
        }
    }
}
