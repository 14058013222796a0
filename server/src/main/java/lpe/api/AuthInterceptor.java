package lpe.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import lpe.jobs.Caller;

/**
 * When the server has tokens, every call must carry {@code authorization: Bearer <token>} with one of them; otherwise
 * it fails UNAUTHENTICATED. The token's identity is the call's {@link Caller} ({@link #CALLER}). Health checks are
 * exempt so that probes (Kubernetes, load balancers) need no secret.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The caller of the current call; unset on a server without tokens. */
    static final Context.Key<Caller> CALLER = Context.key("lpe-caller");
    private static final ServerCall.Listener<?> NOOP = new ServerCall.Listener<>() {};

    private final Map<String, Caller> tokens;

    /** {@code tokens}: each token and its identity. */
    AuthInterceptor(Map<String, Caller> tokens) {
        this.tokens = Map.copyOf(tokens);
    }

    /** The current call's caller: its token's identity, or {@link Caller#ANONYMOUS} on a server without tokens. */
    static Caller caller() {
        Caller c = CALLER.get();
        return c == null ? Caller.ANONYMOUS : c;
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
        Caller caller = identify(given);
        if (caller == null) {
            call.close(Status.UNAUTHENTICATED.withDescription("the bearer token is wrong"), new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }

    /** The identity of the header's token, comparing with every token in constant time; null if none matches. */
    private Caller identify(String header) {
        byte[] given = header.getBytes(StandardCharsets.UTF_8);
        Caller found = null;
        for (Map.Entry<String, Caller> t : tokens.entrySet()) {
            if (MessageDigest.isEqual(("Bearer " + t.getKey()).getBytes(StandardCharsets.UTF_8), given)) {
                found = t.getValue();
            }
        }
        return found;
    }
}
