package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import lpe.jobs.FakeModels;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import lpe.v1.LoadModelRequest;
import lpe.v1.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The probe's faults a client can cause: each gets its own status and one line, and leaves the server's jobs alone. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultAnswersTest {
    @TempDir
    Path dir;

    private static StatusRuntimeException refused(Status.Code code, String messagePart, Supplier<?> call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(messagePart),
                "message '" + e.getStatus().getDescription() + "' should contain '" + messagePart + "'");
        return e;
    }

    private static SubmitJobRequest submit(lpe.v1.JobSpec.Builder spec, String requestId) {
        return SubmitJobRequest.newBuilder().setSpec(spec).setRequestId(requestId).build();
    }

    @Test
    void aStringFieldThatIsNotUtf8IsInvalidArgumentAndTheServerCarriesOn() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 2, 4, null, false)) {
            // SubmitJobRequest with request_id (field 2, length-delimited) = the bytes ff fe: not UTF-8.
            byte[] bad = {0x12, 0x02, (byte) 0xff, (byte) 0xfe};
            MethodDescriptor<byte[], byte[]> raw = EstimationServiceGrpc.getSubmitJobMethod().toBuilder(RAW, RAW).build();
            refused(Status.Code.INVALID_ARGUMENT, "the request is not a valid lpe.v1.EstimationService/SubmitJob request:"
                    + " Protocol message had invalid UTF-8", () -> ClientCalls.blockingUnaryCall(s.channel, raw,
                    CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), bad));
            Job good = s.jobs().submitJob(submit(TestServer.spec(7, 4096, 5), ""));
            EstimationApiTest.assertSame(lpe.jobs.Reference.naive(7, 4096, 5), s.await(good.getId()).getResult()
                    .getEstimates(0));
        }
    }

    @Test
    void anUnknownModelIsNotFoundWithoutTheServersPaths() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 2, 4, null, false)) {
            var e = refused(Status.Code.NOT_FOUND, "model 'gpt9' is not under the model root",
                    () -> s.jobs().submitJob(submit(TestServer.spec(1, 10, 1).setModel("gpt9"), "")));
            assertFalse(e.getStatus().getDescription().contains(dir.toString()), e.getStatus().getDescription());
            assertFalse(e.getStatus().getDescription().contains("/"), e.getStatus().getDescription());
        }
    }

    @Test
    void aModelThatLinksOutsideTheRootIsRefused() throws Exception {
        Path elsewhere = FakeModels.root(dir.resolve("elsewhere"), "secret");
        try (TestServer s = new TestServer(dir, 0, 2, 4, null, false)) {
            Path root = dir.resolve("models");
            Files.createSymbolicLink(root.resolve("linked"), elsewhere.resolve("secret"));
            Files.createDirectories(root.resolve("half"));
            Files.createSymbolicLink(root.resolve("half").resolve("config.json"),
                    elsewhere.resolve("secret").resolve("config.json"));
            Files.createSymbolicLink(root.resolve("inside"), root.resolve("m")); // a link within the root is fine
            refused(Status.Code.INVALID_ARGUMENT, "model 'linked' links outside the model root",
                    () -> s.models().loadModel(LoadModelRequest.newBuilder().setName("models/linked").build()));
            refused(Status.Code.INVALID_ARGUMENT, "model 'half' links outside the model root (half/config.json is",
                    () -> s.jobs().submitJob(submit(TestServer.spec(1, 10, 1).setModel("half"), "")));
            s.models().loadModel(LoadModelRequest.newBuilder().setName("models/inside").build());
            assertEquals(1, s.loader.loads.get() - 1, "only 'inside' was loaded besides the preloaded 'm'");
        }
    }

    @Test
    void aRequestIdReusedWithAnotherSpecIsAlreadyExists() throws Exception {
        try (TestServer s = new TestServer(dir, 0, 2, 4, null, false)) {
            Job a = s.jobs().submitJob(submit(TestServer.spec(1, 64, 1), "req-1"));
            refused(Status.Code.ALREADY_EXISTS, "request_id 'req-1' already names job " + a.getId()
                    + " with a different spec (budget differ)", () -> s.jobs().submitJob(
                    submit(TestServer.spec(1, 65, 1), "req-1")));
            assertEquals(a.getId(), s.jobs().submitJob(submit(TestServer.spec(1, 64, 1), "req-1")).getId());
            assertEquals(a.getId(), s.jobs().submitJob(submit(TestServer.spec(1, 64, 1).clearSeed(), "req-1")).getId(),
                    "without a seed, the server's pick is not compared");
            refused(Status.Code.INVALID_ARGUMENT, "request_id: contains a control character", () -> s.jobs()
                    .submitJob(submit(TestServer.spec(1, 64, 1), "x\n[main] INFO forged")));
            assertEquals(List.of(a.getId()), s.jobs().listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()
                    .stream().map(Job::getId).toList());
        }
    }

    @Test
    void metricsNeedTheServersTokenAndBothPortsListenOnTheBindAddress() throws Exception {
        ServerConfig config = new ServerConfig(0, 0, "s3cret", null, null, List.of("m"), "127.0.0.1");
        try (TestServer s = new TestServer(dir, config, 0, 2, 4, true);
                var http = java.net.http.HttpClient.newHttpClient()) {
            var uri = java.net.URI.create("http://127.0.0.1:" + s.server.metricsPort() + "/metrics");
            var plain = java.net.http.HttpRequest.newBuilder(uri).build();
            var none = http.send(plain, java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode());
            assertTrue(none.body().contains("needs a bearer token"), none.body());
            var wrong = http.send(java.net.http.HttpRequest.newBuilder(uri).header("Authorization", "Bearer nope").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            var right = http.send(java.net.http.HttpRequest.newBuilder(uri).header("Authorization", "Bearer s3cret")
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, right.statusCode());
            assertTrue(right.body().contains("lpe_jobs{"), right.body());
            // gRPC on the bound address: the call reaches the server (and is refused for want of the token).
            refused(Status.Code.UNAUTHENTICATED, "needs a bearer token", () -> EstimationServiceGrpc
                    .newBlockingStub(s.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listJobs(ListJobsRequest.getDefaultInstance()));
        }
    }

    @Test
    void aBindAddressThatIsNotAHostIsOneLine() throws Exception {
        ServerConfig config = new ServerConfig(0, -1, (String) null, null, null, List.of("m"), "no-such-host.invalid");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TestServer(dir, config, 0, 2, 4, true));
        assertEquals("--bind no-such-host.invalid: no such host or address", e.getMessage());
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
