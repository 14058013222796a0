package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.testing.TlsTesting;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import lpe.client.FakeEstimationService;
import lpe.client.LpeClient;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server-facing commands against a scripted server on a loopback port, and their one-line failures. */
class ServerCommandsTest {

    private static final String TOKEN = "tok";

    @TempDir
    Path dir;
    private final FakeEstimationService fake = new FakeEstimationService();
    private Server server;

    private String start(ServerCredentials credentials) throws Exception {
        server = Grpc.newServerBuilderForPort(0, credentials)
                .addService(ServerInterceptors.intercept(fake, new RequireToken())).build().start();
        return "localhost:" + server.getPort();
    }

    private String start() throws Exception {
        return start(InsecureServerCredentials.create());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private Job queued(String id) {
        return fake.put(Job.newBuilder().setId(id).setName("jobs/" + id).setRequestId("r-" + id)
                .setSpec(JobSpec.newBuilder().setModel("stories260K").setMethod("itgis")).setState(Job.State.QUEUED)
                .build());
    }

    @Test
    void watchJsonPrintsTheFinalEstimateWithTheFieldsOfEstimateJson() throws Exception {
        String at = start();
        queued("j1");
        var run = CliRun.of("watch", "j1", "--server", at, "--token", TOKEN, "--json");
        assertEquals(0, run.exit(), run.err());
        JsonObject o = JsonParser.parseString(run.lastLine()).getAsJsonObject();
        var expected = FakeEstimationService.FINAL;
        assertEquals(expected.getMethod(), o.get("method").getAsString());
        assertEquals(expected.getTarget().getId(), o.getAsJsonObject("target").get("id").getAsInt());
        assertEquals(expected.getTarget().getToken(), o.getAsJsonObject("target").get("token").getAsString());
        assertEquals(expected.getEstimate(), o.get("estimate").getAsDouble());
        assertEquals(expected.getStdError(), o.get("std_error").getAsDouble());
        assertEquals(expected.getCi95Low(), o.getAsJsonArray("ci95").get(0).getAsDouble());
        assertEquals(expected.getCi95High(), o.getAsJsonArray("ci95").get(1).getAsDouble());
        assertEquals(expected.getEss(), o.get("ess").getAsDouble());
        assertEquals(expected.getForwardPasses(), o.get("forward_passes").getAsLong());
        assertEquals(expected.getBackwardPasses(), o.get("backward_passes").getAsLong());
        assertEquals(expected.getSeconds(), o.get("seconds").getAsDouble());
        assertEquals(expected.getSeed(), o.get("seed").getAsLong());
    }

    private ServerOptions options(String at) {
        var options = new ServerOptions();
        options.server = at;
        options.token = TOKEN;
        return options;
    }

    @Test
    void aSubmittedJobIsFollowedToItsResultOrDetached() throws Exception {
        String at = start();
        var spec = JobSpecs.of("stories260K", "hex", "▁cat", null, "itgis", 4096, null, 7L).build();
        var out = new java.io.StringWriter();
        assertEquals(0, new ServerJob(options(at), new java.io.PrintWriter(out)).run(spec, true, false));
        var printed = JsonParser.parseString(out.toString().strip()).getAsJsonObject();
        assertEquals(FakeEstimationService.FINAL.getEstimate(), printed.get("estimate").getAsDouble());

        out = new java.io.StringWriter();
        assertEquals(0, new ServerJob(options(at), new java.io.PrintWriter(out)).run(spec, false, true));
        assertEquals("{\"id\":\"j2\"}", out.toString().strip());
        try (var client = LpeClient.builder(at).bearerToken(TOKEN).build()) {
            Job detached = client.get("j2");
            assertEquals(Job.State.QUEUED, detached.getState(), "detach submits and leaves the job alone");
            assertEquals(spec, detached.getSpec());
            assertFalse(detached.getRequestId().isEmpty(), "every CLI submit carries a request_id");
        }
    }

    @Test
    void jobsJsonListsEveryJobNewestFirst() throws Exception {
        String at = start();
        queued("j1");
        queued("j2");
        queued("j3");
        var run = CliRun.of("jobs", "--server", at, "--token", TOKEN, "--json");
        assertEquals(0, run.exit(), run.err());
        var jobs = JsonParser.parseString(run.lastLine()).getAsJsonObject().getAsJsonArray("jobs");
        assertEquals(3, jobs.size());
        var first = jobs.get(0).getAsJsonObject();
        assertEquals("j3", first.get("id").getAsString());
        assertEquals("r-j3", first.get("request_id").getAsString());
        assertEquals("queued", first.get("state").getAsString());
        assertTrue(first.get("result").isJsonNull());
    }

    @Test
    void cancelCancelsTheJobOnTheServer() throws Exception {
        String at = start();
        queued("j1");
        var run = CliRun.of("cancel", "j1", "--server", at, "--token", TOKEN);
        assertEquals(0, run.exit(), run.err());
        assertEquals("job j1 cancelled", run.out().strip());
        try (var client = LpeClient.builder(at).bearerToken(TOKEN).build()) {
            assertEquals(Job.State.CANCELLED, client.get("j1").getState());
        }
    }

    @Test
    void unknownJobIdIsOneLine() throws Exception {
        String at = start();
        for (String command : new String[] {"watch", "cancel"}) {
            var run = CliRun.of(command, "nope", "--server", at, "--token", TOKEN);
            assertEquals(1, run.exit());
            assertEquals("lpe " + command + ": not found on the server at " + at + ": no job nope", run.oneLineError());
        }
    }

    @Test
    void serverDownIsOneLine() throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // free, and nobody listens once closed
        }
        var run = CliRun.of("jobs", "--server", "localhost:" + port);
        assertEquals(1, run.exit());
        String line = run.oneLineError();
        assertTrue(line.startsWith("lpe jobs: cannot reach an lpe server at localhost:" + port), line);
        assertTrue(line.endsWith("is it running? (./lpe serve)"), line);
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var run = CliRun.of("jobs", "--server", "localhost:" + port, "--verbose");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("\tat "), run.err());
    }

    @Test
    void wrongTokenIsOneLine() throws Exception {
        String at = start();
        var run = CliRun.of("jobs", "--server", at, "--token", "wrong");
        assertEquals(1, run.exit());
        assertEquals("lpe jobs: the server at " + at + " refused the credentials (bad bearer token); pass the right "
                + "token with --token or LPE_TOKEN", run.oneLineError());
    }

    @Test
    void malformedServerAddressIsOneLine() {
        var run = CliRun.of("jobs", "--server", "localhost");
        assertEquals(1, run.exit());
        assertEquals("lpe jobs: --server: expected HOST:PORT (e.g. localhost:50051), got 'localhost'",
                run.oneLineError());
    }

    @Test
    void tlsClientAgainstPlaintextServerIsOneLine() throws Exception {
        String at = start();
        Path ca = dir.resolve("ca.pem");
        try (InputStream in = TlsTesting.loadCert("ca.pem")) {
            Files.copy(in, ca);
        }
        var run = CliRun.of("jobs", "--server", at, "--token", TOKEN, "--tls-ca", ca.toString());
        assertEquals(1, run.exit());
        assertTrue(run.oneLineError().startsWith("lpe jobs: TLS handshake with " + at + " failed"), run.err());
    }

    @Test
    void plaintextClientAgainstTlsServerIsOneLine() throws Exception {
        ServerCredentials tls;
        try (InputStream cert = TlsTesting.loadCert("server1.pem"); InputStream key = TlsTesting.loadCert("server1.key")) {
            tls = TlsServerCredentials.create(cert, key);
        }
        String at = start(tls);
        var run = CliRun.of("jobs", "--server", at, "--token", TOKEN);
        assertEquals(1, run.exit());
        String line = run.oneLineError();
        assertTrue(line.startsWith("lpe jobs: lost the connection to the server at " + at), line);
        assertTrue(line.endsWith("if the server uses TLS, add --tls or --tls-ca"), line);
    }

    @Test
    void aServerThatGoesAwayMidStreamIsOneLine() throws Exception {
        fake.finishWatches = false; // the watch hangs after the progress updates
        String at = start();
        queued("j1");
        var stopper = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(500); // let the watch receive its updates first
            } catch (InterruptedException e) {
                return;
            }
            server.shutdownNow();
        });
        var run = CliRun.of("watch", "j1", "--server", at, "--token", TOKEN);
        stopper.join();
        assertEquals(1, run.exit());
        String line = run.oneLineError();
        assertTrue(line.startsWith("lpe watch: lost the connection to the server at " + at + " while watching job j1"),
                line);
        assertTrue(line.endsWith("the job may still be running: lpe watch j1 --server " + at), line);
    }

    @Test
    void aFailedJobIsOneLineWithItsReason() throws Exception {
        String at = start();
        fake.put(Job.newBuilder().setId("j9").setState(Job.State.FAILED).setDone(true)
                .setReason("target 'zzz' is not in the vocabulary").build());
        var run = CliRun.of("watch", "j9", "--server", at, "--token", TOKEN, "--json");
        assertEquals(1, run.exit());
        assertEquals("lpe watch: job j9 failed: target 'zzz' is not in the vocabulary", run.oneLineError());
        assertEquals("", run.out());
    }

    @Test
    void ctrlCPromptCancelsOnYesAndLeavesTheJobOtherwise() throws Exception {
        String at = start();
        queued("j1");
        queued("j2");
        try (var client = LpeClient.builder(at).bearerToken(TOKEN).build()) {
            var err = new ByteArrayOutputStream();
            int exit = InterruptPrompt.ask(new BufferedReader(new StringReader("y\n")),
                    new PrintStream(err, true, StandardCharsets.UTF_8), client, "j1", at);
            assertEquals(InterruptPrompt.EXIT_INTERRUPTED, exit);
            assertEquals(Job.State.CANCELLED, client.get("j1").getState());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("cancelled job j1"));

            err.reset();
            exit = InterruptPrompt.ask(new BufferedReader(new StringReader("\n")),
                    new PrintStream(err, true, StandardCharsets.UTF_8), client, "j2", at);
            assertEquals(InterruptPrompt.EXIT_INTERRUPTED, exit);
            assertEquals(Job.State.QUEUED, client.get("j2").getState());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("lpe watch j2 --server " + at));
        }
    }

    private static final class RequireToken implements ServerInterceptor {
        private static final Metadata.Key<String> AUTH = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            if (!("Bearer " + TOKEN).equals(headers.get(AUTH))) {
                call.close(Status.UNAUTHENTICATED.withDescription("bad bearer token"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }
}
