package lpe.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.testing.TlsTesting;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import lpe.v1.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over real loopback sockets: TLS with grpc-java's test certificates, and a server that requires a bearer token. */
class TlsAndTokenTest {

    private static final String TOKEN = "s3cret";
    /** A name in the test server certificate's subject alternative names. */
    private static final String AUTHORITY = "foo.test.google.fr";

    @TempDir
    Path dir;
    private Server server;

    private int start(ServerCredentials credentials) throws Exception {
        var fake = new FakeEstimationService();
        fake.put(Job.newBuilder().setId("j1").setName("jobs/j1").setState(Job.State.RUNNING).build());
        server = Grpc.newServerBuilderForPort(0, credentials)
                .addService(ServerInterceptors.intercept(fake, new RequireToken()))
                .build().start();
        return server.getPort();
    }

    private static ServerCredentials tlsServer() throws Exception {
        try (InputStream cert = TlsTesting.loadCert("server1.pem"); InputStream key = TlsTesting.loadCert("server1.key")) {
            return TlsServerCredentials.create(cert, key);
        }
    }

    private Path ca() throws Exception {
        Path ca = dir.resolve("ca.pem");
        try (InputStream in = TlsTesting.loadCert("ca.pem")) {
            Files.copy(in, ca);
        }
        return ca;
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void tlsWithTheRightCertificateAndTokenWorks() throws Exception {
        int port = start(tlsServer());
        try (var client = LpeClient.builder("localhost:" + port).tls(ca()).overrideAuthority(AUTHORITY)
                .bearerToken(TOKEN).build()) {
            assertEquals(Job.State.RUNNING, client.get("j1").getState());
        }
    }

    @Test
    void aWrongOrMissingTokenIsUnauthenticated() throws Exception {
        int port = start(InsecureServerCredentials.create());
        try (var wrong = LpeClient.builder("localhost:" + port).bearerToken("guess").build();
                var none = LpeClient.builder("localhost:" + port).build()) {
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> wrong.get("j1")));
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> none.get("j1")));
        }
    }

    @Test
    void plaintextClientAgainstTlsServerIsUnavailable() throws Exception {
        int port = start(tlsServer());
        try (var client = LpeClient.builder("localhost:" + port).bearerToken(TOKEN).maxAttempts(1).build()) {
            assertEquals(Status.Code.UNAVAILABLE, code(() -> client.get("j1")));
        }
    }

    @Test
    void tlsClientAgainstPlaintextServerIsUnavailable() throws Exception {
        int port = start(InsecureServerCredentials.create());
        try (var client = LpeClient.builder("localhost:" + port).tls(ca()).overrideAuthority(AUTHORITY)
                .bearerToken(TOKEN).maxAttempts(1).build()) {
            assertEquals(Status.Code.UNAVAILABLE, code(() -> client.get("j1")));
        }
    }

    @Test
    void anUntrustedServerCertificateIsUnavailable() throws Exception {
        int port = start(tlsServer());
        try (var client = LpeClient.builder("localhost:" + port).tls().overrideAuthority(AUTHORITY)
                .bearerToken(TOKEN).maxAttempts(1).build()) {
            assertEquals(Status.Code.UNAVAILABLE, code(() -> client.get("j1")));
        }
    }

    private static Status.Code code(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    private static final class RequireToken implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            if (!("Bearer " + TOKEN).equals(headers.get(BearerTokenInterceptor.AUTHORIZATION))) {
                call.close(Status.UNAUTHENTICATED.withDescription("missing or wrong bearer token"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }
}
