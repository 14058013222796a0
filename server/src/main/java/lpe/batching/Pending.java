package lpe.batching;

import lpe.engine.EngineRequest;

/** One participant's request while it waits: which rows were taken into batches, and the result rows so far. */
final class Pending {
    final EngineRequest request;
    final long arrivalNanos;
    final Fusion.Rows rows;
    int nextRow;
    boolean cancelled;
    RuntimeException failure;

    Pending(EngineRequest request, long arrivalNanos) {
        this.request = request;
        this.arrivalNanos = arrivalNanos;
        this.rows = new Fusion.Rows(request);
    }

    int rowsLeft() {
        return request.rows() - nextRow;
    }

    boolean done() {
        return rows.complete();
    }

    /** Whether the two can share a device batch ({@link Fusion#fuses}). */
    boolean fusesWith(Pending other) {
        return Fusion.fuses(request, other.request);
    }
}
