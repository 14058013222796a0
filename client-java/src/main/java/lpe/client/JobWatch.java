package lpe.client;

import io.grpc.Context;
import java.util.Iterator;
import lpe.v1.EstimationServiceGrpc.EstimationServiceBlockingStub;
import lpe.v1.Job;
import lpe.v1.WatchJobRequest;

/**
 * The updates of one watched job, in the order the server sends them; blocking {@link #hasNext()} waits for the next
 * one. The last update has {@code done = true}. {@link #close()} ends the stream early; the job itself goes on.
 */
public final class JobWatch implements Iterator<Job>, AutoCloseable {

    private final Context.CancellableContext context;
    private final Iterator<Job> updates;

    JobWatch(EstimationServiceBlockingStub stub, WatchJobRequest request) {
        this.context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            this.updates = stub.watchJob(request); // the call belongs to the context: cancelling it ends the stream
        } finally {
            context.detach(previous);
        }
    }

    @Override
    public boolean hasNext() {
        return updates.hasNext();
    }

    @Override
    public Job next() {
        return updates.next();
    }

    @Override
    public void close() {
        context.cancel(null);
    }
}
