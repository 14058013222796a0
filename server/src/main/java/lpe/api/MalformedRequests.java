package lpe.api;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A request that does not parse as its message (a string field that is not UTF-8, a truncated message) is answered
 * INVALID_ARGUMENT with one line naming the message, and the call ends there. Without this, gRPC parses before the
 * service sees the call and answers UNKNOWN, logging a SEVERE stack trace. The service is served on raw bytes and each
 * request parsed here, where its failure can be caught.
 */
final class MalformedRequests implements ServerInterceptor {

    private MalformedRequests() {}

    static ServerServiceDefinition guard(BindableService service) {
        return ServerInterceptors.intercept(
                ServerInterceptors.useMarshalledMessages(service.bindService(), Bytes.MARSHALLER), new MalformedRequests());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message); // the request is parsed here
                } catch (RuntimeException e) {
                    if (!(e.getCause() instanceof InvalidProtocolBufferException bad)) {
                        throw e;
                    }
                    refused = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("the request is not a valid "
                            + call.getMethodDescriptor().getFullMethodName() + " request: " + bad.getMessage()),
                            new Metadata());
                }
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }

    /** Requests and responses as their bytes. */
    private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        MARSHALLER;

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
    }
}
