package lpe.api;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Honours client deadlines: a call whose deadline has already passed when it arrives is refused with
 * DEADLINE_EXCEEDED before any work starts. Later expiry cancels the call's Context, which the handlers watch (a
 * WatchJob stream stops; a SubmitJob that was still validating is not enqueued).
 */
final class DeadlineInterceptor implements ServerInterceptor {
    private static final ServerCall.Listener<?> NOOP = new ServerCall.Listener<>() {};

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && deadline.isExpired()) {
            call.close(Status.DEADLINE_EXCEEDED.withDescription(
                    "the call's deadline passed before the server started it; give it more time"), new Metadata());
            return (ServerCall.Listener<Q>) NOOP;
        }
        return next.startCall(call, headers);
    }
}
