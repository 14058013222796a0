package lpe.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import lpe.jobs.AlreadyExistsException;
import lpe.jobs.InvalidRequestException;
import lpe.jobs.NotFoundException;
import lpe.jobs.PreconditionException;
import lpe.jobs.QueueFullException;
import lpe.jobs.StoreUnavailableException;
import lpe.jobs.UnreadableJobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps exceptions to gRPC statuses carrying a google.rpc.Status: bad input is INVALID_ARGUMENT with a BadRequest
 * listing every field violation; unknown things NOT_FOUND; a request id reused with another spec ALREADY_EXISTS; wrong
 * state FAILED_PRECONDITION; a full queue RESOURCE_EXHAUSTED, and so is a device out of memory; a store that cannot be
 * read or written UNAVAILABLE, a stored job that cannot be read back DATA_LOSS; anything else INTERNAL (logged, with
 * the request id to find it).
 */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    private Errors() {}

    static StatusRuntimeException toStatus(Throwable e) {
        return switch (e) {
            case StatusRuntimeException s -> s;
            case InvalidRequestException bad -> invalid(bad);
            case NotFoundException n -> status(Code.NOT_FOUND, n.getMessage());
            case PreconditionException p -> status(Code.FAILED_PRECONDITION, p.getMessage());
            case AlreadyExistsException a -> status(Code.ALREADY_EXISTS, a.getMessage());
            case QueueFullException q -> status(Code.RESOURCE_EXHAUSTED, q.getMessage());
            case lpe.engine.NativeOutOfMemoryException m -> status(Code.RESOURCE_EXHAUSTED, m.getMessage());
            case StoreUnavailableException u -> status(Code.UNAVAILABLE, u.getMessage());
            case UnreadableJobException u -> status(Code.DATA_LOSS, u.getMessage());
            default -> {
                String requestId = RequestIdInterceptor.current();
                log.error("request_id={} internal error", requestId, e);
                yield status(Code.INTERNAL, "internal error (request id " + requestId + "): " + e.getMessage());
            }
        };
    }

    static StatusRuntimeException invalid(String field, String description) {
        return invalid(new InvalidRequestException(field, description));
    }

    private static StatusRuntimeException invalid(InvalidRequestException bad) {
        BadRequest.Builder details = BadRequest.newBuilder();
        for (InvalidRequestException.Violation v : bad.violations()) {
            details.addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(v.field())
                    .setDescription(v.description()));
        }
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage(bad.getMessage())
                .addDetails(Any.pack(details.build()))
                .build());
    }

    private static StatusRuntimeException status(Code code, String message) {
        return StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message).build());
    }
}
