package lpe.batching;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per loaded model: schedules the rows that all running jobs ask for into device batches and hands each job its
 * rows.
 *
 * <p>Every estimator thread gets its own {@link Participant} (an {@link Engine}); its {@code run} blocks until its
 * rows ran. A single worker thread builds each batch from the participants' pending requests:
 * <ul>
 *   <li>a batch holds only requests that {@link Fusion#fuses fuse} (the engine runs one shape at a time);
 *   <li>fair: participants take turns from a rotation point; first each takes its whole remaining request if it fits
 *       in the room left, then the larger requests take the room still left in turn, each at most an equal share of
 *       the row limit per round (so a huge request cannot crowd out small ones, and batches fill). The next batch
 *       starts with the first request cut, else after the last participant served, so every waiting participant is
 *       served before anyone twice. Whole requests keep a request in one batch: it finishes early and its job prepares
 *       the next while the device runs the others, and its one-hot gradient sums come back as one group, not one per
 *       slice;
 *   <li>a batch runs when every open participant is waiting (no one else can add rows; a participant whose rows all
 *       ran but who has not yet taken them is not waiting), or, as long as no other participant of the same job is
 *       about to ask (see {@link #jobMateBusy}), when it is full or its oldest request waited
 *       {@link BatcherConfig#maxDelay()} (a batch that ran before a job mate asked would lose the sharing of identical rows);
 *   <li>the rows taken run as one engine call that {@link Fusion} builds and splits (which requests fuse, which rows
 *       run once).
 * </ul>
 * A cancelled participant's pending rows are dropped at once, so its device work stops within the batch in flight.
 * Device time is apportioned to participants by the rows they asked for.
 */
public final class Batcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Batcher.class);

    private final String modelName;
    private final Engine engine;
    private final BatcherConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Participant> participants = new ArrayList<>();
    private final Thread worker;
    private final MeterRegistry meters;
    private final List<Meter> ownMeters = new ArrayList<>();
    private final DistributionSummary batchRows;
    private final Counter rowsRequestedCounter;
    private final Counter rowsRunCounter;
    private final Timer deviceTimer;
    private int rotation;
    private boolean closed;

    public Batcher(String modelName, Engine engine, BatcherConfig config, MeterRegistry meters) {
        this.modelName = modelName;
        this.engine = engine;
        this.config = config;
        this.meters = meters;
        batchRows = register(DistributionSummary.builder("lpe.batch.rows")
                .description("rows run per device batch")
                .tag("model", modelName)
                .register(meters));
        rowsRequestedCounter = register(Counter.builder("lpe.rows.requested")
                .description("rows asked for by jobs")
                .tag("model", modelName)
                .register(meters));
        rowsRunCounter = register(Counter.builder("lpe.rows.run")
                .description("rows run on the device (rate() of it is rows per second)")
                .tag("model", modelName)
                .register(meters));
        deviceTimer = register(Timer.builder("lpe.batch.device")
                .description("device time per batch")
                .tag("model", modelName)
                .register(meters));
        register(Gauge.builder("lpe.batch.queue.rows", this, Batcher::pendingRows)
                .description("rows waiting for a device batch")
                .tag("model", modelName)
                .register(meters));
        worker = Thread.ofPlatform().name("batcher-" + modelName).daemon().start(this::work);
    }

    private <M extends Meter> M register(M meter) {
        ownMeters.add(meter);
        return meter;
    }

    /** An engine for one estimator thread of job {@code jobId}; close it when the estimator is done. */
    public Participant open(String jobId) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("model " + modelName + " is unloaded");
            }
            Participant p = new Participant(jobId);
            participants.add(p);
            return p;
        } finally {
            lock.unlock();
        }
    }

    /** Rows of pending requests not yet taken into a batch. */
    public int pendingRows() {
        lock.lock();
        try {
            int n = 0;
            for (Participant p : participants) {
                if (p.pending != null && !p.pending.cancelled) {
                    n += p.pending.rowsLeft();
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the worker; pending requests fail. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Participant p : participants) {
                if (p.pending != null) {
                    p.pending.failure = new IllegalStateException("model " + modelName + " was unloaded");
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        worker.interrupt();
        ownMeters.forEach(meters::remove);
    }

    private void work() {
        while (true) {
            List<Slice> batch;
            lock.lock();
            try {
                batch = awaitBatch();
                if (batch == null) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            runBatch(batch);
        }
    }

    /** Waits until a batch is due and takes its rows; null once closed. Called with the lock held. */
    private List<Slice> awaitBatch() throws InterruptedException {
        while (!closed) {
            Participant first = firstWaiting();
            if (first == null) {
                changed.await();
                continue;
            }
            Pending lead = first.pending;
            long waitedNanos = System.nanoTime() - lead.arrivalNanos;
            long delayNanos = config.maxDelay().toNanos();
            if (everyoneWaiting() || rowsWaitingLike(lead) >= config.rowLimit() && !jobMateBusy(first)) {
                return takeRows(lead);
            }
            if (waitedNanos < delayNanos) {
                changed.awaitNanos(delayNanos - waitedNanos);
            } else if (jobMateBusy(first)) {
                changed.await();
            } else {
                return takeRows(lead);
            }
        }
        return null;
    }

    /** The first participant from the rotation point that has rows waiting. */
    private Participant firstWaiting() {
        int n = participants.size();
        for (int i = 0; i < n; i++) {
            Participant p = participants.get((rotation + i) % n);
            if (p.hasRowsWaiting()) {
                return p;
            }
        }
        return null;
    }

    private boolean everyoneWaiting() {
        for (Participant p : participants) {
            if (p.betweenRequests() || p.pending.cancelled) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether another open participant of the same job is between requests. The estimators of one job's targets share
     * a seed, so their next requests are usually identical rows: waiting for them (a barrier per request) keeps them
     * in step, and their rows run once.
     */
    private boolean jobMateBusy(Participant p) {
        for (Participant q : participants) {
            if (q != p && q.jobId.equals(p.jobId) && q.betweenRequests() && !q.cancelled) {
                return true;
            }
        }
        return false;
    }

    private int rowsWaitingLike(Pending lead) {
        int n = 0;
        for (Participant p : participants) {
            if (p.hasRowsWaiting() && p.pending.fusesWith(lead)) {
                n += p.pending.rowsLeft();
            }
        }
        return n;
    }

    /** Takes up to the row limit from the participants whose requests fuse with {@code lead}, in fair rounds. */
    private List<Slice> takeRows(Pending lead) {
        List<Participant> eligible = new ArrayList<>();
        int n = participants.size();
        for (int i = 0; i < n; i++) {
            Participant p = participants.get((rotation + i) % n);
            if (p.hasRowsWaiting() && p.pending.fusesWith(lead)) {
                eligible.add(p);
            }
        }
        int room = config.rowLimit();
        List<Slice> slices = new ArrayList<>();
        for (Participant p : eligible) { // whole requests that fit, in turn
            int left = p.pending.rowsLeft();
            if (left <= room) {
                slices.add(take(p, left));
                room -= left;
            }
        }
        List<Participant> cut = eligible.stream().filter(Participant::hasRowsWaiting).toList();
        int share = Math.max(1, config.rowLimit() / eligible.size());
        boolean took = true;
        while (room > 0 && took) { // then the room left, in turn, at most an equal share of the limit each per round
            took = false;
            for (Participant p : cut) {
                int count = Math.min(Math.min(share, room), p.pending.rowsLeft());
                if (count > 0) {
                    slices.add(take(p, count));
                    room -= count;
                    took = true;
                }
                if (room == 0) {
                    break;
                }
            }
        }
        // the next batch starts with the first request cut here, else after the last participant served
        Participant next = slices.stream().map(Slice::participant).filter(Participant::hasRowsWaiting).findFirst()
                .orElse(null);
        rotation = next != null ? participants.indexOf(next)
                : (participants.indexOf(slices.getLast().participant()) + 1) % n;
        return slices;
    }

    /** The next {@code count} rows of p's request, taken into the batch being built. */
    private static Slice take(Participant p, int count) {
        Slice slice = new Slice(p, p.pending, p.pending.nextRow, count);
        p.pending.nextRow += count;
        return slice;
    }

    private void runBatch(List<Slice> slices) {
        Fusion fusion = new Fusion(slices);
        EngineRequest fused = fusion.request();
        int requested = fusion.rowsRequested();
        long start = System.nanoTime();
        EngineResult result = null;
        RuntimeException failure = null;
        try {
            result = engine.run(fused);
        } catch (RuntimeException | Error e) {
            // An Error too: the worker must survive it, or every waiting job would hang.
            log.error("model {}: device batch of {} rows failed", modelName, fused.rows(), e);
            failure = e instanceof RuntimeException r ? r
                    : new IllegalStateException("device batch failed: " + e, e);
        }
        long nanos = System.nanoTime() - start;
        batchRows.record(fused.rows());
        rowsRequestedCounter.increment(requested);
        rowsRunCounter.increment(fused.rows());
        deviceTimer.record(nanos, TimeUnit.NANOSECONDS);
        lock.lock();
        try {
            for (Slice slice : slices) {
                slice.participant.deviceNanos += nanos * slice.count / requested;
                if (failure != null) {
                    slice.pending.failure = failure;
                }
            }
            if (failure == null) {
                fusion.split(result);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** An {@link Engine} for one estimator thread: its rows go through the batcher. */
    public final class Participant implements Engine, AutoCloseable {
        private final String jobId;
        private Pending pending;
        private long deviceNanos;
        private boolean cancelled;

        private Participant(String jobId) {
            this.jobId = jobId;
        }

        public String jobId() {
            return jobId;
        }

        /**
         * No request, or one whose rows all ran but whose thread has not yet taken the result: either way its next
         * request may come at any moment (counting the latter as waiting let a job mate's next request run alone).
         */
        private boolean betweenRequests() {
            return pending == null || pending.done();
        }

        private boolean hasRowsWaiting() {
            return pending != null && !pending.cancelled && pending.failure == null && pending.rowsLeft() > 0;
        }

        @Override
        public ModelShape shape() {
            return engine.shape();
        }

        @Override
        public EngineResult run(EngineRequest request) {
            if (request.rows() == 0) {
                return EngineResult.empty(request);
            }
            check(request);
            lock.lock();
            try {
                if (cancelled) {
                    throw new JobCancelledException(jobId);
                }
                if (closed) {
                    throw new IllegalStateException("model " + modelName + " was unloaded");
                }
                Pending mine = new Pending(request, System.nanoTime());
                pending = mine;
                changed.signalAll();
                try {
                    while (!mine.done() && !mine.cancelled && mine.failure == null) {
                        changed.await();
                    }
                } catch (InterruptedException e) {
                    mine.cancelled = true;
                    Thread.currentThread().interrupt();
                } finally {
                    pending = null;
                    changed.signalAll();
                }
                if (mine.cancelled) {
                    throw new JobCancelledException(jobId);
                }
                if (mine.failure != null) {
                    throw mine.failure;
                }
                return mine.rows.result();
            } finally {
                lock.unlock();
            }
        }

        /** Refuses a malformed request here, so that it cannot fail a fused batch of other jobs' rows. */
        private void check(EngineRequest request) {
            int vocabulary = engine.shape().vocabularySize();
            for (int b = 0; b < request.rows(); b++) {
                int[] row = request.tokens()[b];
                if (row.length != request.length() || row.length == 0) {
                    throw new IllegalArgumentException("row " + b + " has " + row.length + " tokens; every row of a"
                            + " request needs the same non-zero length " + request.length());
                }
                for (int id : row) {
                    if (id < 0 || id >= vocabulary) {
                        throw new IllegalArgumentException("row " + b + " holds token id " + id
                                + "; ids must be in [0, " + vocabulary + ")");
                    }
                }
            }
            request.checkOutputFields(vocabulary);
        }

        /** Drops this participant's pending rows; its current and later {@code run} calls throw. */
        public void cancel() {
            lock.lock();
            try {
                cancelled = true;
                if (pending != null) {
                    pending.cancelled = true;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Device time of the batches this participant's rows ran in, apportioned by rows. */
        public double deviceSeconds() {
            lock.lock();
            try {
                return deviceNanos / 1e9;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
            return engine.projectOntoEmbeddings(vectors, ids);
        }

        @Override
        public float[][] unembedding() {
            return engine.unembedding();
        }

        @Override
        public void close() {
            lock.lock();
            try {
                participants.remove(this);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Rows {@code from..from+count-1} of a participant's pending request, taken into the batch being built. */
    record Slice(Participant participant, Pending pending, int from, int count) {}
}
