package lpe.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import lpe.batching.Batcher;
import lpe.batching.JobCancelledException;
import lpe.estimate.Checkpoints;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.ProgressListener;
import lpe.estimate.UnusableCheckpointException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job while it is queued or running: its state machine (QUEUED → RUNNING → a final state, each change stored and
 * logged), its estimator threads, its progress (published to watchers at most every 200 ms, stored at most once a
 * second) and its watchers. A final state is final: later changes, progress and cancels are ignored or refused. A write
 * the store refuses because another replica took the job over (this replica's lease had ended) stops the run: it
 * writes nothing more, and its end is not counted here.
 *
 * <p>Several targets run one estimator each with the job's seed: methods whose rows do not depend on the target
 * (naive sampling, QLD/GLD activations) then ask for identical rows, which the batcher runs once.
 *
 * <p>Checkpoints: the job's estimators save their states in rounds ({@link Checkpoints}), at least
 * {@link JobsConfig#checkpointEvery()} apart and at least {@value #SAVE_COST_BOUND} times as long as the previous
 * round's saves took (so saving costs at most 2% of the run). A round asks every target to save at the first batch
 * boundary where it has done more samples than any target had when the round opened, so that targets in step (naive,
 * QLD, GLD: identical rows) save at the same sample and stay in step after a resume; a target whose count does not
 * move (MHIS burning in) saves at its next boundary once the round is half {@code checkpointEvery} old. A round is
 * stored once every target still running has saved in it: the progress snapshot and every target's state of that
 * round in one store update ({@link JobCheckpoint}), so a crash mid-round leaves the previous round whole. A run given saved states resumes each target from its own; a
 * state the estimator cannot use is logged and that target starts again from the beginning, which gives the same
 * estimate.
 */
final class JobRun {
    private static final Logger log = LoggerFactory.getLogger(JobRun.class);
    private static final long PUBLISH_EVERY_NANOS = 200_000_000L;
    private static final long PERSIST_EVERY_NANOS = 1_000_000_000L;
    /** A target's next checkpoint waits at least this many times as long as its last save took. */
    private static final int SAVE_COST_BOUND = 50;

    final String id;
    final JobPlan plan;
    private final JobStore store;
    private final Clock clock;
    private final Consumer<JobState> onFinal;
    private final List<Batcher.Participant> engines = new ArrayList<>();
    private final List<Consumer<Job>> watchers = new CopyOnWriteArrayList<>();
    private final long[] samplesDone;
    private final TargetEstimate[] current;
    private final long checkpointEveryNanos;
    /** Each target's latest saved state (at first, the states resumed from); null where none. */
    private final byte[][] states;
    /** The open checkpoint round (0: none yet), each target's last round saved, and the round's save point. */
    private int round;
    private final int[] savedRound;
    /** The open round's states saved so far, and the targets whose estimators returned. */
    private final byte[][] pending;
    private final boolean[] finished;
    private long roundSaveAt;
    private long roundOpenedNanos;
    private long nextRoundNanos;
    private volatile Thread mainThread;
    private boolean detached;
    private Job job;
    private long startNanos;
    private long lastPublishNanos;
    private long lastPersistNanos;

    /**
     * {@code states}: each target's saved state to resume from (null: start from the beginning); {@code onFinal} is
     * told each final state this run reaches (once).
     */
    JobRun(Job job, JobPlan plan, byte[][] states, JobStore store, Clock clock, Duration checkpointEvery,
            Consumer<JobState> onFinal) {
        this.id = job.id();
        this.job = job;
        this.plan = plan;
        this.store = store;
        this.clock = clock;
        this.onFinal = onFinal;
        this.samplesDone = new long[plan.targets().size()];
        this.current = new TargetEstimate[plan.targets().size()];
        this.states = states == null ? new byte[plan.targets().size()][] : states.clone();
        this.checkpointEveryNanos = checkpointEvery.toNanos();
        this.savedRound = new int[plan.targets().size()];
        this.pending = new byte[plan.targets().size()][];
        this.finished = new boolean[plan.targets().size()];
    }

    /** The thread that runs this job, interrupted by {@link #stopWork} while the job is queued. */
    void setMainThread(Thread thread) {
        mainThread = thread;
    }

    synchronized Job snapshot() {
        return job;
    }

    /** From now on the job's state is not written any more: the server is stopping (see JobRunner.close). */
    synchronized void detach() {
        detached = true;
    }

    /** Queued -> running; false if the job was cancelled while queued. */
    synchronized boolean begin() {
        if (job.state().isFinal()) {
            return false;
        }
        startNanos = System.nanoTime();
        nextRoundNanos = startNanos + checkpointEveryNanos;
        change(job.withState(JobState.RUNNING, "", clock.instant()), "started");
        return !detached;
    }

    /** Runs every target's estimator (one thread each when there are several) and returns their estimates. */
    List<TargetEstimate> estimate() throws InterruptedException {
        int n = plan.targets().size();
        // Every target's engine is open before any estimator starts, so the batcher keeps them in step from the
        // first request (their identical rows then run once).
        List<Batcher.Participant> opened = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Batcher.Participant engine = plan.model().batcher().open(id);
            attach(engine);
            opened.add(engine);
        }
        Estimate[] estimates = new Estimate[n];
        RuntimeException[] failures = new RuntimeException[n];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int target = i;
            Runnable work = () -> {
                try (Batcher.Participant engine = opened.get(target)) {
                    estimates[target] = estimate(target, engine);
                } catch (RuntimeException e) {
                    failures[target] = e;
                    stopWork();
                }
            };
            if (n == 1) {
                work.run();
            } else {
                threads.add(Thread.ofVirtual().name("job-" + id + "-target-" + i).start(work));
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
            JobPlan.ResolvedTarget t = plan.targets().get(i);
            results.add(new TargetEstimate(t.id(), t.token(), estimates[i]));
        }
        return results;
    }

    private Estimate estimate(int i, Batcher.Participant engine) {
        Estimate e = runEstimator(i, engine);
        targetFinished(i);
        return e;
    }

    private Estimate runEstimator(int i, Batcher.Participant engine) {
        JobSpec spec = job.spec();
        JobPlan.ResolvedTarget target = plan.targets().get(i);
        EstimationProblem problem = new EstimationProblem(plan.distribution(), target.id(), plan.behavior(),
                Math.toIntExact(spec.budget()), spec.temperature() == null ? Double.NaN : spec.temperature(),
                spec.seed(), spec.tuning());
        ProgressListener listener = (done, budget, partial) -> progress(i, done, partial);
        byte[] restored = restoredState(i);
        if (restored != null) {
            try {
                return plan.estimator().run(problem, engine, listener, checkpoints(i, restored));
            } catch (UnusableCheckpointException e) {
                log.warn("job={} target={} cannot resume from its checkpoint ({}); it starts again", id, i,
                        e.getMessage());
            }
        }
        return plan.estimator().run(problem, engine, listener, checkpoints(i, null));
    }

    private synchronized byte[] restoredState(int target) {
        return states[target];
    }

    /** Target {@code target}'s checkpoints: {@code restored} to resume from, saves when due. */
    private Checkpoints checkpoints(int target, byte[] restored) {
        return new Checkpoints() {
            @Override
            public byte[] restored() {
                return restored;
            }

            @Override
            public boolean due() {
                return checkpointDue(target);
            }

            @Override
            public void save(byte[] state) {
                JobRun.this.save(target, state);
            }
        };
    }

    /** Whether target {@code target} should save now; opens a round when the last one is done with and it is time. */
    private synchronized boolean checkpointDue(int target) {
        if (checkpointEveryNanos <= 0 || job.state().isFinal()) {
            return false;
        }
        long now = System.nanoTime();
        if (savedRound[target] == round) {
            if (now < nextRoundNanos) {
                return false;
            }
            round++;
            roundSaveAt = Arrays.stream(samplesDone).max().orElse(0) + 1;
            roundOpenedNanos = now;
            nextRoundNanos = now + checkpointEveryNanos;
        }
        return samplesDone[target] >= roundSaveAt || now - roundOpenedNanos >= checkpointEveryNanos / 2;
    }

    /**
     * Keeps {@code state} as target {@code target}'s state of the open round; once every target still running has saved
     * in the round, stores them all with the progress snapshot in one update ({@link #commitRound}).
     */
    private synchronized void save(int target, byte[] state) {
        if (job.state().isFinal() || detached) {
            return;
        }
        savedRound[target] = round;
        pending[target] = state;
        commitRoundIfComplete();
    }

    /** Target {@code target}'s estimator returned: the rounds go on without it. */
    private synchronized void targetFinished(int target) {
        finished[target] = true;
        if (!job.state().isFinal() && !detached) {
            commitRoundIfComplete();
        }
    }

    /**
     * Stores the round's states (and every target's latest one) with the progress snapshot in one update, once every
     * target still running has saved in it; the time this took spaces out the next round.
     */
    private void commitRoundIfComplete() {
        boolean any = false;
        for (int t = 0; t < states.length; t++) {
            if (!finished[t] && savedRound[t] != round) {
                return;
            }
            any |= pending[t] != null;
        }
        if (!any) {
            return;
        }
        long begin = System.nanoTime();
        for (int t = 0; t < states.length; t++) {
            if (pending[t] != null) {
                states[t] = pending[t];
                pending[t] = null;
            }
        }
        job = job.withProgress(progressNow(begin));
        try {
            if (!store.update(job, JobCheckpoint.encode(states))) {
                log.warn("job={} state={} checkpoint not stored: another replica took the job over (this one's lease"
                        + " had ended); it stops here", id, job.state());
                detached = true;
                stopWork();
                return;
            }
            lastPersistNanos = begin;
        } catch (StoreUnavailableException e) {
            log.error("job={} state={} checkpoint not stored: {}", id, job.state(), e.getMessage());
        }
        long end = System.nanoTime();
        nextRoundNanos = Math.max(nextRoundNanos, end + Math.max(checkpointEveryNanos, SAVE_COST_BOUND * (end - begin)));
    }

    private synchronized void attach(Batcher.Participant engine) {
        engines.add(engine);
        if (job.state().isFinal()) {
            engine.cancel();
        }
    }

    private synchronized void progress(int target, long done, Estimate partial) {
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
        if (now - lastPersistNanos >= PERSIST_EVERY_NANOS && !detached) {
            lastPersistNanos = now;
            persist("progress");
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

    /** Cancels the job by a client's call and returns it in state CANCELLED; refused once it is final. */
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

    /** Sends the current snapshot to {@code watcher} at once and then every update, until the final one. */
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

    /** Device time of the batches this job's rows ran in, apportioned by rows. */
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

    /**
     * Writes the snapshot; a store that cannot take it (full disk) is logged, and the job goes on. False when another
     * replica holds the job now: the run is then detached and its work stopped.
     */
    private boolean persist(String what) {
        try {
            if (store.update(job)) {
                return true;
            }
            log.warn("job={} state={} {} not stored: another replica took the job over (this one's lease had ended);"
                    + " it stops here", id, job.state(), what);
            detached = true;
            stopWork();
            return false;
        } catch (StoreUnavailableException e) {
            log.error("job={} state={} {} not stored: {}", id, job.state(), what, e.getMessage());
            return true;
        }
    }

    private void change(Job next, String event) {
        if (detached) {
            return;
        }
        job = next;
        if (!persist("state change")) {
            return;
        }
        logState(job, event);
        if (job.state().isFinal()) {
            onFinal.accept(job.state());
        }
        publish();
        if (job.state().isFinal()) {
            watchers.clear();
        }
    }

    /** The one log line of a job's state change. */
    static void logState(Job job, String event) {
        log.info("job={} state={} event={} model={} method={} targets={} budget={} request_id={}{}", job.id(),
                job.state(), event, LogText.escape(job.spec().model()), LogText.escape(job.spec().method()),
                job.spec().targets().size(), job.spec().budget(), LogText.escape(job.requestId()),
                job.reason().isEmpty() ? "" : " reason=\"" + LogText.escape(job.reason()) + "\"");
    }
}
