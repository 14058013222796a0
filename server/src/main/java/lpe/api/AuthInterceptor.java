package lpe.api;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * When the server has a bearer token, every call must carry {@code authorization: Bearer <token>}; otherwise it
 * fails UNAUTHENTICATED. Health checks are exempt so that probes (Kubernetes, load balancers) need no secret.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final ServerCall.Listener<?> NOOP = new ServerCall.Listener<>() {};

    private final byte[] expected;

    AuthInterceptor(String token) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getServiceName().equals(HealthGrpc.SERVICE_NAME)) {
            return next.startCall(call, headers);
        }
        String given = headers.get(AUTHORIZATION);
        if (given == null) {
            call.close(Status.UNAUTHENTICATED.withDescription(
                    "this server needs a bearer token: send the header 'authorization: Bearer <token>'"), new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            call.close(Status.UNAUTHENTICATED.withDescription("the bearer token is wrong"), new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        return next.startCall(call, headers);
    }
}
