package lpe.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.UUID;
import lpe.jobs.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every call a request id: the client's {@code x-request-id} header (at most 128 printable characters) or a
 * fresh one. It is echoed in the response headers, available to handlers through {@link #current()}, and logged with
 * every failed call (one line: request id, peer address, method, status, escaped message).
 */
final class RequestIdInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> KEY = Context.key("lpe-request-id");
    private static final Logger log = LoggerFactory.getLogger(RequestIdInterceptor.class);

    static String current() {
        String id = KEY.get();
        return id == null ? "none" : id;
    }

    /** The client's address, for log lines ("unknown" in-process). */
    static String peer(ServerCall<?, ?> call) {
        Object address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return address == null ? "unknown" : LogText.escape(address.toString());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String given = headers.get(HEADER);
        String id = given != null && given.length() <= 128 && given.chars().allMatch(c -> c > 32 && c < 127)
                ? given
                : UUID.randomUUID().toString();
        String method = call.getMethodDescriptor().getFullMethodName();
        String peer = peer(call);
        ServerCall<Q, R> tagged = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(HEADER, id);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (!status.isOk()) {
                    log.info("request_id={} peer={} method={} status={} message=\"{}\"", id, peer, method,
                            status.getCode(), LogText.escape(status.getDescription()));
                }
                trailers.put(HEADER, id);
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(KEY, id), tagged, headers, next);
    }
}
