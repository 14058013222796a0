package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import lpe.jobs.Reference;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.Job;
import lpe.v1.SubmitJobRequest;
import lpe.v1.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server on a real loopback port (Netty): request size limit, metrics over HTTP, and a load test. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LoopbackTest {
    @TempDir
    Path dir;

    @Test
    void requestsOverFourMebibytesAreRefused() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 4, 4, null, true)) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> s.jobs().submitJob(
                    SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 10, 1).clearPreset()
                            .setSpecJson("x".repeat(5 << 20))).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("exceeds maximum size"), e.getStatus().getDescription());
            assertEquals(0, s.jobs().listJobs(lpe.v1.ListJobsRequest.getDefaultInstance()).getJobsCount());
        }
    }

    @Test
    void aHundredConcurrentClientsGetCorrectResultsInBoundedMemory() throws Exception {
        int clients = 100;
        try (TestServer s = new TestServer(dir, 1, 128, 128, null, true);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long heapBefore = usedHeapAfterGc();
            List<Future<Job>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", s.server.port())
                            .usePlaintext().build();
                    try {
                        var stub = EstimationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
                        Job job = stub.submitJob(SubmitJobRequest.newBuilder()
                                .setSpec(TestServer.spec(client % 32, 320, client)).build());
                        Iterator<Job> it = stub.watchJob(WatchJobRequest.newBuilder().setName(job.getName()).build());
                        Job last = job;
                        while (it.hasNext()) {
                            last = it.next();
                        }
                        return last;
                    } finally {
                        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                    }
                }));
            }
            for (int c = 0; c < clients; c++) {
                Job last = results.get(c).get(120, TimeUnit.SECONDS);
                assertEquals(Job.State.SUCCEEDED, last.getState(), last.getReason());
                EstimationApiTest.assertSame(Reference.naive(c % 32, 320, c), last.getResult().getEstimates(0));
            }
            long growth = usedHeapAfterGc() - heapBefore;
            assertTrue(growth < 64L << 20, "heap grew by " + (growth >> 20) + " MiB after 100 clients");
            assertEquals(0, s.server.activeJobs(), "every job must have left the runner");
        }
    }

    @Test
    void prometheusMetricsAreServedOverHttp() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 4, 4, null, true)) {
            s.await(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 256, 1)).build())
                    .getId());
            String body = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server.metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String metric : List.of("lpe_jobs{state=\"running\"} 0.0", "lpe_jobs_finished_total{state=\"succeeded\"} 1.0",
                    "lpe_batch_rows_count{model=\"m\"}", "lpe_rows_run_total{model=\"m\"}",
                    "lpe_batch_queue_rows{model=\"m\"} 0.0", "lpe_job_device_seconds_count 1", "lpe_batch_device_seconds")) {
                assertTrue(body.contains(metric), "missing " + metric + " in:\n" + body);
            }
        }
    }

    @Test
    void tlsServesClientsThatTrustItsCertificateAndRefusesPlaintext() throws Exception {
        Path cert = dir.resolve("server1.pem");
        Path key = dir.resolve("server1.key");
        Path ca = dir.resolve("ca.pem");
        for (Path p : List.of(cert, key, ca)) {
            try (var in = io.grpc.testing.TlsTesting.loadCert(p.getFileName().toString())) {
                java.nio.file.Files.copy(in, p);
            }
        }
        ServerConfig config = new ServerConfig(0, -1, null, cert, key, List.of("m"));
        try (TestServer s = new TestServer(dir, config, 0, 4, 4, true)) {
            ManagedChannel tls = io.grpc.Grpc.newChannelBuilderForAddress("127.0.0.1", s.server.port(),
                            io.grpc.TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build())
                    .overrideAuthority("foo.test.google.fr").build();
            ManagedChannel plain = ManagedChannelBuilder.forAddress("127.0.0.1", s.server.port()).usePlaintext().build();
            try {
                Job job = EstimationServiceGrpc.newBlockingStub(tls).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 64, 1)).build());
                assertEquals("jobs/" + job.getId(), job.getName());
                assertEquals(64, job.getSpec().getBudget());
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                        EstimationServiceGrpc.newBlockingStub(plain).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .listJobs(lpe.v1.ListJobsRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            } finally {
                tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
