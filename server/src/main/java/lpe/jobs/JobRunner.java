package lpe.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import lpe.batching.JobCancelledException;
import lpe.estimate.UnusableCheckpointException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits jobs and keeps their lifecycle: validates each spec once ({@link JobPlanner}), refuses it when the queue
 * ({@link JobsConfig#maxQueued()}) is full, stores it, and runs it on its own virtual thread as a {@link JobRun}, at
 * most {@link JobsConfig#maxRunning()} at once (the others wait their turn in arrival order). Answers queries, cancels
 * and watches of the jobs queued or running from their runs, and of the others from the store. A request id accepted
 * once returns that job again.
 *
 * <p>Ownership: a job belongs to the {@link Caller} that submitted it. A user's queries, cancels and watches of another
 * identity's job answer as for an unknown job (so ids do not leak), its lists hold its own jobs only; an admin sees
 * every job. The methods without a caller act as an admin.
 *
 * <p>Several replicas may share one store. A replica holds a lease on each job it accepted or took over
 * ({@link JobStore}), and its heartbeat ({@link #recover()} starts it) renews them every {@link #HEARTBEAT}, stops the
 * jobs whose lease another replica took over, cancels those a client asked another replica to cancel, and takes over
 * jobs whose lease ended for the models under its own model root. A job taken over (after a restart, or from a replica
 * that died) is resumed ({@link #resume(Job)}): a queued one starts, a running one continues from its last checkpoint
 * and finishes with the estimate an uninterrupted run gives. Gets, lists, watches and cancels work on every replica:
 * those of a job another replica runs go through the store (a watch polls it every {@link #WATCH_POLL}). A graceful
 * stop ({@link #close()}) leaves the store as a kill does, so both are taken over the same way.
 */
@Singleton
public final class JobRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    static final Duration HEARTBEAT = JobStore.LEASE.dividedBy(5);
    static final Duration WATCH_POLL = Duration.ofMillis(250);
    private static final String CANCELLED_BY_CLIENT = "cancelled by a client";

    private final JobStore store;
    private final JobPlanner planner;
    private final ModelRegistry models;
    private final JobsConfig config;
    private final Clock clock;
    private final Semaphore runSlots;
    private final Map<String, JobRun> active = new ConcurrentHashMap<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final Map<JobState, Counter> finished = new EnumMap<>(JobState.class);
    private final DistributionSummary deviceSecondsPerJob;
    private final Object submitLock = new Object();
    private Thread heartbeat;

    @Inject
    public JobRunner(JobStore store, JobPlanner planner, ModelRegistry models, JobsConfig config, MeterRegistry meters,
            Clock clock) {
        this.store = store;
        this.planner = planner;
        this.models = models;
        this.config = config;
        this.clock = clock;
        this.runSlots = new Semaphore(config.maxRunning(), true);
        Gauge.builder("lpe.jobs", queued, AtomicInteger::get).tag("state", "queued")
                .description("jobs by state").register(meters);
        Gauge.builder("lpe.jobs", running, AtomicInteger::get).tag("state", "running")
                .description("jobs by state").register(meters);
        for (JobState s : JobState.values()) {
            if (s.isFinal()) {
                finished.put(s, Counter.builder("lpe.jobs.finished").tag("state", s.name().toLowerCase())
                        .description("jobs that reached a final state").register(meters));
            }
        }
        deviceSecondsPerJob = DistributionSummary.builder("lpe.job.device.seconds")
                .description("device time per finished job").register(meters);
    }

    /** Validates and enqueues a job whose seed the client chose; see {@link #submit(JobSpec, String, boolean)}. */
    public Job submit(JobSpec spec, String requestId) {
        return submit(spec, requestId, true);
    }

    /**
     * Validates and enqueues a job. A known request id returns its job instead when the spec is the same (the seed
     * compared only when the client chose it), and is refused naming the fields that differ otherwise. A model not
     * yet loaded is loaded here, outside every lock: submits for other models, and every other call, go on meanwhile.
     */
    public Job submit(JobSpec spec, String requestId, boolean seedChosen) {
        return submit(spec, requestId, seedChosen, Caller.ANONYMOUS);
    }

    /**
     * As {@link #submit(JobSpec, String, boolean)}, the job owned by {@code caller}. A request id that names a job the
     * caller cannot see is refused (ALREADY_EXISTS) without naming that job.
     */
    public Job submit(JobSpec spec, String requestId, boolean seedChosen, Caller caller) {
        Objects.requireNonNull(requestId, "requestId");
        Optional<Job> known = known(requestId, spec, seedChosen, caller);
        if (known.isPresent()) {
            return known.get();
        }
        JobPlanner.CheckedSpec checked = planner.checkShape(spec);
        checkQueueRoom();
        JobPlan plan = planner.plan(checked);
        try {
            synchronized (submitLock) {
                known = known(requestId, spec, seedChosen, caller); // one may have been accepted during the load
                if (known.isPresent()) {
                    models.release(plan.model().name());
                    return known.get();
                }
                checkQueueRoom();
                String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
                Job job = new Job(id, requestId, spec, JobState.QUEUED, "",
                        Progress.none(spec.budget() * spec.targets().size()), List.of(), clock.instant(), null, null,
                        caller.name());
                store.insert(job);
                JobRun.logState(job, "submitted");
                return start(job, plan, null);
            }
        } catch (RuntimeException e) {
            models.release(plan.model().name());
            throw e;
        }
    }

    /**
     * The job a request id was already accepted for, if any; refused (ALREADY_EXISTS) naming the differing fields when
     * that job's spec is not {@code spec}.
     */
    private Optional<Job> known(String requestId, JobSpec spec, boolean seedChosen, Caller caller) {
        if (requestId.isEmpty()) {
            return Optional.empty();
        }
        synchronized (submitLock) {
            Optional<Job> existing = store.findByRequestId(requestId);
            if (existing.isEmpty()) {
                return Optional.empty();
            }
            if (!caller.sees(existing.get())) {
                throw new AlreadyExistsException("request_id '" + requestId + "' is already used by another client;"
                        + " use a new request_id for a new job");
            }
            List<String> differ = existing.get().spec().differences(spec, seedChosen);
            if (!differ.isEmpty()) {
                throw new AlreadyExistsException("request_id '" + requestId + "' already names job "
                        + existing.get().id() + " with a different spec (" + String.join(", ", differ)
                        + " differ); use a new request_id for a new job");
            }
            log.info("job={} request_id={} resubmitted; returning the existing job", existing.get().id(),
                    LogText.escape(requestId));
            return Optional.of(get(existing.get().id()));
        }
    }

    private void checkQueueRoom() {
        if (queued.get() >= config.maxQueued()) {
            throw new QueueFullException("the job queue is full (" + queued.get() + " queued, " + running.get()
                    + " running, at most " + config.maxQueued() + " queued); retry later");
        }
    }

    public Job get(String id) {
        return get(id, Caller.ANONYMOUS);
    }

    /** The job, if {@code caller} may see it; else NOT_FOUND as for an unknown id. */
    public Job get(String id, Caller caller) {
        Job job = snapshot(id);
        if (!caller.sees(job)) {
            throw unknownJob(id);
        }
        return job;
    }

    private Job snapshot(String id) {
        JobRun run = active.get(id);
        if (run != null) {
            return run.snapshot();
        }
        return store.find(id).orElseThrow(() -> unknownJob(id));
    }

    /** Newest first; {@code state} null means every state. */
    public List<Job> list(JobState state, int limit, int offset) {
        return list(state, limit, offset, Caller.ANONYMOUS);
    }

    /** Newest first, the jobs {@code caller} may see; {@code state} null means every state. */
    public List<Job> list(JobState state, int limit, int offset, Caller caller) {
        return store.list(state, caller.admin() ? null : caller.name(), limit, offset).stream()
                .map(j -> {
                    JobRun run = active.get(j.id());
                    return run == null ? j : run.snapshot();
                })
                .toList();
    }

    /**
     * Cancels a queued or running job and returns it in state CANCELLED. A job another replica holds is cancelled by
     * that replica at its next heartbeat, or here if its lease ends first; this call waits for either.
     */
    public Job cancel(String id) {
        return cancel(id, Caller.ANONYMOUS);
    }

    /** Cancels a queued or running job {@code caller} may see; NOT_FOUND for one it may not. */
    public Job cancel(String id, Caller caller) {
        get(id, caller);
        JobRun run = active.get(id);
        if (run == null) {
            Job job = store.find(id).orElseThrow(() -> unknownJob(id));
            if (!job.state().isFinal()) {
                return cancelElsewhere(id);
            }
            throw new PreconditionException("job " + id + " already finished (" + job.state() + "); nothing to cancel");
        }
        return run.cancel();
    }

    private Job cancelElsewhere(String id) {
        store.requestCancel(id);
        long deadline = System.nanoTime() + JobStore.LEASE.multipliedBy(3).toNanos();
        while (true) {
            if (store.cancelUnheld(id, CANCELLED_BY_CLIENT, clock.instant())) {
                log.info("job={} state=CANCELLED event=ended reason=\"{}\" (no replica held it)", id, CANCELLED_BY_CLIENT);
            }
            Job job = store.find(id).orElseThrow(() -> unknownJob(id));
            if (job.state() == JobState.CANCELLED) {
                return job;
            }
            if (job.state().isFinal()) {
                throw new PreconditionException("job " + id + " already finished (" + job.state() + "); nothing to cancel");
            }
            if (System.nanoTime() > deadline) {
                throw new StoreUnavailableException("job " + id + ": the replica that runs it has not answered the"
                        + " cancel in " + JobStore.LEASE.multipliedBy(3).toSeconds() + " s; the request stays in the"
                        + " store", null);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PreconditionException("job " + id + ": cancel interrupted; the request stays in the store");
            }
        }
    }

    /**
     * Sends the job's current snapshot to {@code watcher} at once and then every update, until the final one.
     * Close the returned handle to stop (a client that disconnected).
     */
    public AutoCloseable watch(String id, Consumer<Job> watcher) {
        return watch(id, Caller.ANONYMOUS, watcher);
    }

    /** As {@link #watch(String, Consumer)}, of a job {@code caller} may see; NOT_FOUND for one it may not. */
    public AutoCloseable watch(String id, Caller caller, Consumer<Job> watcher) {
        get(id, caller);
        JobRun run = active.get(id);
        if (run == null) {
            Job job = store.find(id).orElseThrow(() -> unknownJob(id));
            watcher.accept(job);
            return job.state().isFinal() ? () -> {} : watchStore(job, watcher);
        }
        return run.watch(watcher);
    }

    /** A watch of a job another replica runs: its stored snapshots, polled every {@link #WATCH_POLL}. */
    private AutoCloseable watchStore(Job first, Consumer<Job> watcher) {
        Thread poll = Thread.ofVirtual().name("watch-" + first.id()).start(() -> {
            Job last = first;
            while (!last.state().isFinal()) {
                try {
                    Thread.sleep(WATCH_POLL);
                    Job now = store.find(first.id()).orElse(last);
                    if (!now.equals(last)) {
                        last = now;
                        watcher.accept(now);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("job={} watch: {}", first.id(), e.getMessage());
                }
            }
        });
        return poll::interrupt;
    }

    /** Jobs queued or running now. */
    public int activeJobs() {
        return active.size();
    }

    /**
     * On start: takes over the store's unfinished jobs that no live replica holds (on SQLite, all of them; with
     * PostgreSQL, those whose lease ended) and starts the heartbeat.
     */
    public void recover() {
        for (JobStore.TakenOver t : store.takeOver(modelNames(), Integer.MAX_VALUE)) {
            resume(t);
        }
        heartbeat = Thread.ofPlatform().daemon().name("lpe-leases").start(this::beat);
    }

    /** Runs a job this replica took over: ended CANCELLED if a client asked for that, else {@link #resume(Job)}. */
    private void resume(JobStore.TakenOver taken) {
        Job job = taken.job();
        if (active.containsKey(job.id())) {
            return; // runs here already: the take-over only renewed its lease
        }
        if (taken.cancelRequested()) {
            end(job.withState(JobState.CANCELLED, CANCELLED_BY_CLIENT, clock.instant()));
            return;
        }
        resume(job);
    }

    private boolean end(Job ended) {
        if (store.update(ended)) {
            finished.get(ended.state()).increment();
            JobRun.logState(ended, "recover");
            return true;
        }
        return false;
    }

    /** The heartbeat's loop, until {@link #close()}; a store that fails is logged and tried again at the next beat. */
    private void beat() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(HEARTBEAT);
                renewLeases();
                int room = config.maxQueued() - queued.get();
                for (JobStore.TakenOver t : store.takeOver(modelNames(), room)) {
                    resume(t);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("leases: {}", e.getMessage());
            }
        }
    }

    /** Renews the leases of the jobs here; stops those another replica took over, cancels those asked to be. */
    private void renewLeases() {
        List<String> here = List.copyOf(active.keySet());
        JobStore.Renewal renewal = store.renew(here);
        for (String id : here) {
            JobRun run = active.get(id);
            if (run == null || run.snapshot().state().isFinal()) {
                continue;
            }
            if (!renewal.held().contains(id)) {
                log.warn("job={} lease lost (another replica took it over); stopped here", id);
                run.detach();
                run.stopWork();
            } else if (renewal.cancelRequested().contains(id)) {
                try {
                    run.cancel();
                } catch (PreconditionException e) {
                    // ended meanwhile
                }
            }
        }
    }

    private List<String> modelNames() {
        return models.list().stream().map(ModelInfo::name).toList();
    }

    /**
     * Runs an unfinished job of the store, held by this replica, here: queued again, it continues from its last
     * checkpoint when it has one (each target's estimator from its saved state), else from the beginning; either way
     * it finishes with the estimate an uninterrupted run gives. A job that can no longer be planned (its model gone)
     * fails, saying why; one another replica took over meanwhile is left to it. Returns the job as it is now.
     */
    public Job resume(Job job) {
        JobPlan plan;
        try {
            plan = planner.plan(planner.checkShape(job.spec()));
        } catch (RuntimeException e) {
            Job failed = job.withState(JobState.FAILED, "could not be requeued after a restart: " + e.getMessage(),
                    clock.instant());
            return end(failed) ? failed : store.find(job.id()).orElse(job);
        }
        byte[][] states = null;
        try {
            states = store.checkpoint(job.id())
                    .map(bytes -> JobCheckpoint.decode(bytes, plan.targets().size()))
                    .orElse(null);
        } catch (UnusableCheckpointException e) {
            log.warn("job={} cannot resume from its checkpoint ({}); it starts again", job.id(), e.getMessage());
        } catch (RuntimeException e) {
            models.release(plan.model().name());
            throw e;
        }
        Job queued = job.requeued();
        try {
            if (job.state() != JobState.QUEUED && !store.update(queued)) {
                models.release(plan.model().name());
                log.info("job={} was taken over by another replica meanwhile; not resumed here", job.id());
                return store.find(job.id()).orElse(job);
            }
        } catch (RuntimeException e) {
            models.release(plan.model().name());
            throw e;
        }
        long from = job.progress().samplesDone();
        log.info("job={} state={} {} (taken over)", job.id(), job.state(), states == null ? "requeued"
                : "resumes from its checkpoint (last snapshot: " + from + " of " + job.progress().budget() + " samples)");
        return start(queued, plan, states);
    }

    /**
     * Graceful shutdown: stops every job's work but leaves the store as a crash would (queued jobs QUEUED, running ones
     * RUNNING with their last snapshot), so a restart on the same store treats both the same way ({@link #recover()}):
     * a stop never loses more than a kill.
     */
    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.interrupt();
            try {
                heartbeat.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<JobRun> runs = List.copyOf(active.values());
        runs.forEach(JobRun::detach); // all first: a stopped job frees its run slot, which a queued one could take
        runs.forEach(JobRun::stopWork);
    }

    private NotFoundException unknownJob(String id) {
        return new NotFoundException("job '" + id + "' is unknown (ListJobs shows the jobs this server knows)");
    }

    private Job start(Job job, JobPlan plan, byte[][] states) {
        JobRun run = new JobRun(job, plan, states, store, clock, config.checkpointEvery(),
                state -> finished.get(state).increment());
        active.put(job.id(), run);
        queued.incrementAndGet();
        Thread main = Thread.ofVirtual().name("job-" + job.id()).unstarted(() -> execute(run));
        run.setMainThread(main);
        main.start();
        return run.snapshot();
    }

    private void execute(JobRun run) {
        String model = run.plan.model().name();
        try {
            try {
                runSlots.acquire();
            } catch (InterruptedException e) {
                queued.decrementAndGet();
                return;
            }
            queued.decrementAndGet();
            running.incrementAndGet();
            try {
                if (run.begin()) {
                    run.succeed(run.estimate());
                }
            } catch (JobCancelledException | CancellationException e) {
                run.end(JobState.CANCELLED, "cancelled");
            } catch (RuntimeException | InterruptedException e) {
                log.warn("job={} failed", run.id, e);
                run.end(JobState.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                running.decrementAndGet();
                runSlots.release();
            }
        } finally {
            models.release(model);
            active.remove(run.id);
            deviceSecondsPerJob.record(run.deviceSeconds());
        }
    }
}
