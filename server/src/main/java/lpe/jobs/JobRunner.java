package lpe.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import lpe.batching.Batcher;
import lpe.batching.JobCancelledException;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs: each on its own virtual thread (and one more per target when a job names several), at most
 * {@link JobsConfig#maxRunning()} at once, with a bounded queue behind them. Persists every state change and a
 * progress snapshot at most once a second; publishes snapshots to watchers. Logs one line per state change.
 *
 * <p>Several targets of one job run one estimator each with the job's seed: methods whose rows do not depend on the
 * target (naive sampling, QLD/GLD activations) then ask for identical rows, which the batcher runs once.
 *
 * <p>After a restart ({@link #recover()}), queued jobs start again and running ones are marked interrupted: estimators
 * keep no resumable state, so the last progress snapshot is reported, not resumed from.
 */
@Singleton
public final class JobRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    private static final long PUBLISH_EVERY_NANOS = 200_000_000L;
    private static final long PERSIST_EVERY_NANOS = 1_000_000_000L;

    private final JobStore store;
    private final JobPlanner planner;
    private final ModelRegistry models;
    private final JobsConfig config;
    private final Clock clock;
    private final Semaphore runSlots;
    private final Map<String, Run> active = new ConcurrentHashMap<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final Map<JobState, Counter> finished = new EnumMap<>(JobState.class);
    private final DistributionSummary deviceSecondsPerJob;
    private final Object submitLock = new Object();

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

    /** Validates and enqueues a job; a known request id returns its job instead. */
    public Job submit(JobSpec spec, String requestId) {
        Objects.requireNonNull(requestId, "requestId");
        synchronized (submitLock) {
            if (!requestId.isEmpty()) {
                var existing = store.findByRequestId(requestId);
                if (existing.isPresent()) {
                    log.info("job={} request_id={} resubmitted; returning the existing job", existing.get().id(), requestId);
                    return get(existing.get().id());
                }
            }
            planner.checkShape(spec);
            if (queued.get() >= config.maxQueued()) {
                throw new QueueFullException("the job queue is full (" + queued.get() + " queued, " + running.get()
                        + " running, at most " + config.maxQueued() + " queued); retry later");
            }
            JobPlan plan = planner.plan(spec);
            String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            Job job = new Job(id, requestId, spec, JobState.QUEUED, "",
                    Progress.none(spec.budget() * spec.targets().size()), List.of(), clock.instant(), null, null);
            store.insert(job);
            logState(job, "submitted");
            return start(job, plan);
        }
    }

    public Job get(String id) {
        Run run = active.get(id);
        if (run != null) {
            return run.snapshot();
        }
        return store.find(id).orElseThrow(() -> unknownJob(id));
    }

    /** Newest first; {@code state} null means every state. */
    public List<Job> list(JobState state, int limit, int offset) {
        return store.list(state, limit, offset).stream()
                .map(j -> {
                    Run run = active.get(j.id());
                    return run == null ? j : run.snapshot();
                })
                .toList();
    }

    /** Cancels a queued or running job and returns it in state CANCELLED. */
    public Job cancel(String id) {
        Run run = active.get(id);
        if (run == null) {
            Job job = store.find(id).orElseThrow(() -> unknownJob(id));
            throw new PreconditionException("job " + id + " already finished (" + job.state() + "); nothing to cancel");
        }
        return run.cancel();
    }

    /**
     * Sends the job's current snapshot to {@code watcher} at once and then every update, until the final one.
     * Close the returned handle to stop (a client that disconnected).
     */
    public AutoCloseable watch(String id, Consumer<Job> watcher) {
        Run run = active.get(id);
        if (run == null) {
            watcher.accept(store.find(id).orElseThrow(() -> unknownJob(id)));
            return () -> {};
        }
        return run.watch(watcher);
    }

    /** Jobs queued or running now. */
    public int activeJobs() {
        return active.size();
    }

    /**
     * After a restart on the same store: queued jobs start again; jobs that were running are marked interrupted,
     * with their last progress snapshot kept.
     */
    public void recover() {
        for (Job job : store.unfinished()) {
            if (job.state() == JobState.QUEUED) {
                try {
                    start(job, planner.plan(job.spec()));
                    log.info("job={} state=QUEUED requeued after restart", job.id());
                } catch (RuntimeException e) {
                    Job failed = job.withState(JobState.FAILED, "could not be requeued after a restart: " + e.getMessage(),
                            clock.instant());
                    store.update(failed);
                    logState(failed, "recover");
                }
            } else {
                Progress p = job.progress();
                Job interrupted = job.withState(JobState.INTERRUPTED, "the server stopped while the job was running"
                        + " (last snapshot: " + p.samplesDone() + " of " + p.budget() + " samples); resubmit to rerun it",
                        clock.instant());
                store.update(interrupted);
                finished.get(JobState.INTERRUPTED).increment();
                logState(interrupted, "recover");
            }
        }
    }

    /** Marks every job still queued or running as interrupted (graceful shutdown) and stops their work. */
    @Override
    public void close() {
        for (Run run : List.copyOf(active.values())) {
            run.end(JobState.INTERRUPTED, "the server shut down while the job was " + run.snapshot().state().name()
                    .toLowerCase());
            run.stopWork();
        }
    }

    private NotFoundException unknownJob(String id) {
        return new NotFoundException("job '" + id + "' is unknown (ListJobs shows the jobs this server knows)");
    }

    private Job start(Job job, JobPlan plan) {
        Run run = new Run(job, plan);
        active.put(job.id(), run);
        queued.incrementAndGet();
        run.mainThread = Thread.ofVirtual().name("job-" + job.id()).start(() -> execute(run));
        return run.snapshot();
    }

    private void execute(Run run) {
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
                    run.succeed(runTargets(run));
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

    private List<TargetEstimate> runTargets(Run run) throws InterruptedException {
        int n = run.plan.targets().size();
        // Every target's engine is open before any estimator starts, so the batcher keeps them in step from the
        // first request (their identical rows then run once).
        List<Batcher.Participant> engines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Batcher.Participant engine = run.plan.model().batcher().open(run.id);
            run.attach(engine);
            engines.add(engine);
        }
        Estimate[] estimates = new Estimate[n];
        RuntimeException[] failures = new RuntimeException[n];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int target = i;
            Runnable work = () -> {
                try (Batcher.Participant engine = engines.get(target)) {
                    estimates[target] = runTarget(run, target, engine);
                } catch (RuntimeException e) {
                    failures[target] = e;
                    run.stopWork();
                }
            };
            if (n == 1) {
                work.run();
            } else {
                threads.add(Thread.ofVirtual().name("job-" + run.id + "-target-" + i).start(work));
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        for (RuntimeException f : failures) {
            if (f instanceof JobCancelledException || f instanceof CancellationException) {
                throw f;
            }
        }
        for (RuntimeException f : failures) {
            if (f != null) {
                throw f;
            }
        }
        List<TargetEstimate> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JobPlan.ResolvedTarget t = run.plan.targets().get(i);
            results.add(new TargetEstimate(t.id(), t.token(), estimates[i]));
        }
        return results;
    }

    private Estimate runTarget(Run run, int i, Batcher.Participant engine) {
        JobSpec spec = run.job.spec();
        JobPlan.ResolvedTarget target = run.plan.targets().get(i);
        EstimationProblem problem = new EstimationProblem(run.plan.distribution(), target.id(), run.plan.behavior(),
                Math.toIntExact(spec.budget()), spec.temperature() == null ? Double.NaN : spec.temperature(),
                spec.seed(), spec.tuning());
        return run.plan.estimator().run(problem, engine, (done, budget, partial) -> run.progress(i, done, partial));
    }

    private void logState(Job job, String event) {
        log.info("job={} state={} event={} model={} method={} targets={} budget={} request_id={}{}", job.id(),
                job.state(), event, job.spec().model(), job.spec().method(), job.spec().targets().size(),
                job.spec().budget(), job.requestId(), job.reason().isEmpty() ? "" : " reason=\"" + job.reason() + "\"");
    }

    /** A job while it is queued or running: its snapshot, its estimator engines and its watchers. */
    private final class Run {
        final String id;
        final JobPlan plan;
        final List<Batcher.Participant> engines = new ArrayList<>();
        final List<Consumer<Job>> watchers = new CopyOnWriteArrayList<>();
        final long[] samplesDone;
        final TargetEstimate[] current;
        volatile Thread mainThread;
        Job job;
        long startNanos;
        long lastPublishNanos;
        long lastPersistNanos;

        Run(Job job, JobPlan plan) {
            this.id = job.id();
            this.job = job;
            this.plan = plan;
            this.samplesDone = new long[plan.targets().size()];
            this.current = new TargetEstimate[plan.targets().size()];
        }

        synchronized Job snapshot() {
            return job;
        }

        /** Queued -> running; false if the job was cancelled while queued. */
        synchronized boolean begin() {
            if (job.state().isFinal()) {
                return false;
            }
            startNanos = System.nanoTime();
            change(job.withState(JobState.RUNNING, "", clock.instant()), "started");
            return true;
        }

        synchronized void attach(Batcher.Participant engine) {
            engines.add(engine);
            if (job.state().isFinal()) {
                engine.cancel();
            }
        }

        synchronized void progress(int target, long done, Estimate partial) {
            if (job.state().isFinal()) {
                return;
            }
            samplesDone[target] = done;
            JobPlan.ResolvedTarget t = plan.targets().get(target);
            current[target] = new TargetEstimate(t.id(), t.token(), partial);
            long now = System.nanoTime();
            if (now - lastPublishNanos < PUBLISH_EVERY_NANOS) {
                return;
            }
            lastPublishNanos = now;
            job = job.withProgress(progressNow(now));
            if (now - lastPersistNanos >= PERSIST_EVERY_NANOS) {
                lastPersistNanos = now;
                store.update(job);
            }
            publish();
        }

        synchronized void succeed(List<TargetEstimate> results) {
            if (job.state().isFinal()) {
                return;
            }
            for (int i = 0; i < results.size(); i++) {
                samplesDone[i] = results.get(i).estimate().samples();
                current[i] = results.get(i);
            }
            job = job.withProgress(progressNow(System.nanoTime()));
            change(job.succeeded(results, clock.instant()), "finished");
        }

        /** Moves to a final state unless already in one. */
        synchronized void end(JobState state, String reason) {
            if (job.state().isFinal()) {
                return;
            }
            if (startNanos != 0) {
                job = job.withProgress(progressNow(System.nanoTime()));
            }
            change(job.withState(state, reason, clock.instant()), "ended");
        }

        Job cancel() {
            Job ended;
            synchronized (this) {
                if (job.state().isFinal()) {
                    throw new PreconditionException("job " + id + " already finished (" + job.state() + "); nothing to cancel");
                }
                end(JobState.CANCELLED, "cancelled by a client");
                ended = job;
            }
            stopWork();
            return ended;
        }

        /** Drops the job's pending rows and wakes it if it still waits for a run slot. */
        void stopWork() {
            List<Batcher.Participant> toCancel;
            boolean wasQueued;
            synchronized (this) {
                toCancel = List.copyOf(engines);
                wasQueued = job.startedAt() == null;
            }
            toCancel.forEach(Batcher.Participant::cancel);
            Thread main = mainThread;
            if (wasQueued && main != null) {
                main.interrupt();
            }
        }

        AutoCloseable watch(Consumer<Job> watcher) {
            synchronized (this) {
                watcher.accept(job);
                if (job.state().isFinal()) {
                    return () -> {};
                }
                watchers.add(watcher);
            }
            return () -> watchers.remove(watcher);
        }

        synchronized double deviceSeconds() {
            return engines.stream().mapToDouble(Batcher.Participant::deviceSeconds).sum();
        }

        /** Sends the snapshot to every watcher; a failing watcher is dropped, never allowed to stop the job. */
        private void publish() {
            for (Consumer<Job> w : watchers) {
                try {
                    w.accept(job);
                } catch (RuntimeException e) {
                    log.warn("job={} a watcher failed and was dropped: {}", id, e.toString());
                    watchers.remove(w);
                }
            }
        }

        private Progress progressNow(long now) {
            long done = Arrays.stream(samplesDone).sum();
            double seconds = (now - startNanos) / 1e9;
            List<TargetEstimate> partials = Arrays.stream(current).filter(Objects::nonNull).toList();
            return new Progress(done, job.progress().budget(), seconds > 0 ? done / seconds : 0, partials,
                    deviceSeconds());
        }

        private void change(Job next, String event) {
            job = next;
            store.update(job);
            logState(job, event);
            if (job.state().isFinal()) {
                finished.get(job.state()).increment();
            }
            publish();
            if (job.state().isFinal()) {
                watchers.clear();
            }
        }
    }
}
