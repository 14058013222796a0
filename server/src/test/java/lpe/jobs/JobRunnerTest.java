package lpe.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import lpe.batching.BatcherMeters;
import lpe.estimate.Estimate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobRunnerTest {
    @TempDir
    Path dir;

    private static Estimate direct(int target, long budget, long seed) {
        return Reference.naive(target, budget, seed);
    }

    private static void assertSameEstimate(Estimate want, Estimate got) {
        assertEquals(want.estimate(), got.estimate());
        assertEquals(want.stdError(), got.stdError());
        assertEquals(want.samples(), got.samples());
        assertEquals(want.seed(), got.seed());
    }

    @Test
    void concurrentJobsGetTheSameEstimatesAsDirectRunsAndShareBatches() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 1, 64, 64)) {
            List<Job> jobs = new ArrayList<>();
            for (int j = 0; j < 16; j++) {
                jobs.add(f.runner.submit(JobsFixture.spec(List.of("t" + j), 640, 100 + j), ""));
            }
            for (int j = 0; j < 16; j++) {
                Job done = f.await(jobs.get(j).id());
                assertEquals(JobState.SUCCEEDED, done.state(), done.reason());
                assertEquals(j, done.results().getFirst().id());
                assertEquals("t" + j, done.results().getFirst().token());
                assertSameEstimate(direct(j, 640, 100 + j), done.results().getFirst().estimate());
            }
            // 16 jobs x 20 chunks of 32 rows: without fusing that is 320 device batches.
            int batches = f.loader.lastEngine.batches().size();
            assertTrue(batches < 160, "device batches: " + batches);
        }
    }

    @Test
    void aSubmitForAWarmModelReturnsPromptlyWhileAnotherModelLoads() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 0, 4, 4);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            FakeModels.root(dir.resolve("models"), "cold");
            f.models.load("m");
            CountDownLatch loaded = new CountDownLatch(1);
            f.loader.loadGates.put("cold", loaded);
            JobSpec coldSpec = new JobSpec("cold", "uniform3", null, List.of("t1"), "argmax", "naive", 64, null, 1);
            Future<Job> cold = pool.submit(() -> f.runner.submit(coldSpec, ""));
            Future<Job> coldAgain = pool.submit(() -> f.runner.submit(coldSpec, ""));
            try {
                Waits.until(() -> f.loader.loads.get() == 2, "the load of model 'cold' to start");
                // The cold model stays loading until released below: a submit or listing that waited for it would
                // never return.
                Job warm = assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 1), ""));
                assertEquals(JobState.SUCCEEDED, f.await(warm.id()).state());
                assertEquals(List.of("cold", "m"), assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> f.models.list().stream().map(ModelInfo::name).toList()));
                assertFalse(f.models.info("cold").loaded());
                assertFalse(cold.isDone());
            } finally {
                loaded.countDown();
            }
            assertEquals(JobState.SUCCEEDED, f.await(cold.get(30, TimeUnit.SECONDS).id()).state());
            assertEquals(JobState.SUCCEEDED, f.await(coldAgain.get(30, TimeUnit.SECONDS).id()).state());
            assertEquals(2, f.loader.loads.get(), "two submits during one load load the model once");
        }
    }

    @Test
    void targetsOfOneJobShareTheirRows() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 0, 4, 4)) {
            Job job = f.runner.submit(JobsFixture.spec(List.of("t1", "t2", "id:3", "t4"), 256, 7), "");
            Job done = f.await(job.id());
            assertEquals(JobState.SUCCEEDED, done.state(), done.reason());
            for (int i = 0; i < 4; i++) {
                assertSameEstimate(direct(i + 1, 256, 7), done.results().get(i).estimate());
            }
            BatcherMeters stats = BatcherMeters.of(f.meters, "m");
            assertEquals(1024, stats.rowsRequested());
            // Each sampled row runs once for all 4 targets (fewer when a batch samples the same input twice).
            assertTrue(stats.rowsRun() <= 256, "rows run: " + stats.rowsRun());
        }
    }

    @Test
    void cancellingARunningJobStopsItAndIsRefusedTwice() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 20, 4, 4)) {
            Job job = f.runner.submit(JobsFixture.spec(List.of("t1"), 1 << 20, 1), "");
            Waits.until(() -> f.runner.get(job.id()).progress().samplesDone() > 0, "progress");
            Job cancelled = f.runner.cancel(job.id());
            assertEquals(JobState.CANCELLED, cancelled.state());
            int batchesAtCancel = f.loader.lastEngine.batches().size();
            Waits.until(() -> f.runner.activeJobs() == 0, "the cancelled job to leave the runner");
            assertTrue(f.loader.lastEngine.batches().size() <= batchesAtCancel + 1);
            assertEquals(JobState.CANCELLED, f.store.find(job.id()).orElseThrow().state());
            PreconditionException twice = assertThrows(PreconditionException.class, () -> f.runner.cancel(job.id()));
            assertTrue(twice.getMessage().contains("already finished (CANCELLED)"), twice.getMessage());
            NotFoundException unknown = assertThrows(NotFoundException.class, () -> f.runner.cancel("nope"));
            assertTrue(unknown.getMessage().contains("'nope' is unknown"), unknown.getMessage());
        }
    }

    @Test
    void aRequestIdMakesResubmitsReturnTheSameJob() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 0, 4, 4)) {
            Job a = f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 1), "req-1");
            Job b = f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 1), "req-1");
            assertEquals(a.id(), b.id());
            f.await(a.id());
            Job c = f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 1), "req-1");
            assertEquals(a.id(), c.id());
            assertEquals(1, f.runner.list(null, 100, 0).size());
        }
    }

    @Test
    void aFullQueueRefusesNewJobsWithoutTouchingTheOthers() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 20, 1, 2)) {
            List<Job> jobs = new ArrayList<>();
            jobs.add(f.runner.submit(JobsFixture.spec(List.of("t1"), 1 << 20, 0), ""));
            // The first job counts as queued until its thread takes the one run slot; wait for that before filling
            // the queue, or the third submit races it (seen on an idle machine).
            Waits.until(() -> f.runner.get(jobs.getFirst().id()).state() == JobState.RUNNING, "the first job to run");
            for (int i = 1; i < 3; i++) {
                jobs.add(f.runner.submit(JobsFixture.spec(List.of("t1"), 1 << 20, i), ""));
            }
            QueueFullException full = assertThrows(QueueFullException.class,
                    () -> f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 9), ""));
            assertTrue(full.getMessage().contains("queue is full (2 queued"), full.getMessage());
            assertEquals(List.of(JobState.RUNNING, JobState.QUEUED, JobState.QUEUED),
                    jobs.stream().map(j -> f.runner.get(j.id()).state()).toList());
            assertEquals(3, f.runner.list(null, 100, 0).size());
            for (Job j : jobs) {
                assertEquals(JobState.CANCELLED, f.runner.cancel(j.id()).state());
            }
        }
    }

    @Test
    void badSpecsAreRefusedNamingEveryBadField() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 0, 4, 4)) {
            JobSpec bad = new JobSpec("m", "", null, List.of(), "argmax", "magic", 0, -1.0, 1, 1.0, 0.75, "table");
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> f.runner.submit(bad, ""));
            assertEquals(Set.of("spec.distribution", "spec.targets", "spec.method", "spec.budget", "spec.temperature",
                    "spec.defensive_share", "spec.pilot_fraction", "spec.temperature_rule"),
                    e.violations().stream().map(InvalidRequestException.Violation::field).collect(Collectors.toSet()));
            assertTrue(e.getMessage().contains("spec.defensive_share: must be in (0, 1), got 1.0"), e.getMessage());
            assertTrue(e.getMessage().contains("spec.pilot_fraction: must be in (0, 0.5], got 0.75"), e.getMessage());
            assertTrue(e.getMessage().contains("'table' is unknown; use adaptive or paper-table"), e.getMessage());
            JobSpec badTargets = new JobSpec("m", null, "{\"positions\": [[1, 2], [99]]}", List.of("t1", "cat", "id:32"),
                    "argmax", "naive", 10, null, 1);
            InvalidRequestException t = assertThrows(InvalidRequestException.class, () -> f.runner.submit(badTargets, ""));
            assertEquals(List.of("spec.spec_json", "spec.targets[1]", "spec.targets[2]"),
                    t.violations().stream().map(InvalidRequestException.Violation::field).toList());
            assertTrue(t.violations().getFirst().description().contains("positions[1]"), t.getMessage());
            assertTrue(t.violations().get(1).description().contains("'cat' is not a token"), t.getMessage());
            InvalidRequestException behavior = assertThrows(InvalidRequestException.class, () -> f.runner.submit(
                    new JobSpec("m", "uniform3", null, List.of("t1"), "sample:0", "naive", 10, null, 1), ""));
            assertEquals("spec.behavior", behavior.violations().getFirst().field());
            InvalidRequestException unserved = assertThrows(InvalidRequestException.class, () -> f.runner.submit(
                    new JobSpec("m", "uniform3", null, List.of("t1"), "sample:1", "qld", 10, null, 1), ""));
            assertEquals("spec.behavior", unserved.violations().getFirst().field());
            assertTrue(unserved.violations().getFirst().description().startsWith(
                    "qld extrapolates the argmax behaviour only; use naive, itgis, itgis-ce or mhis for sample:"),
                    unserved.getMessage());
            InvalidRequestException path = assertThrows(InvalidRequestException.class, () -> f.runner.submit(
                    new JobSpec("../m", "uniform3", null, List.of("t1"), "argmax", "naive", 10, null, 1), ""));
            assertTrue(path.getMessage().contains("not a path"), path.getMessage());
            NotFoundException unknown = assertThrows(NotFoundException.class, () -> f.runner.submit(
                    new JobSpec("gpt9", "uniform3", null, List.of("t1"), "argmax", "naive", 10, null, 1), ""));
            assertTrue(unknown.getMessage().contains("'gpt9' is not under the model root"), unknown.getMessage());
            assertEquals(0, f.runner.list(null, 100, 0).size(), "a refused job must not reach the store");
        }
    }

    @Test
    void afterARestartRunningJobsResumeAndQueuedOnesRun() throws Exception {
        // What a killed server leaves in its store: a finished job, a running one with a snapshot, a queued one.
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        Estimate old = direct(2, 64, 3);
        Job done = new Job("done", "", JobsFixture.spec(List.of("t2"), 64, 3), JobState.SUCCEEDED, "",
                new Progress(64, 64, 1, List.of(), 0), List.of(new TargetEstimate(2, "t2", old)), t, t, t);
        Job running = new Job("running", "", JobsFixture.spec(List.of("t1"), 1000, 1), JobState.RUNNING, "",
                new Progress(320, 1000, 10, List.of(), 0), List.of(), t, t, null);
        Job queued = new Job("queued", "req-q", JobsFixture.spec(List.of("t3"), 96, 2), JobState.QUEUED, "",
                Progress.none(96), List.of(), t, null, null);
        try (JobStore store = new JobStore(dir.resolve("jobs.db"))) {
            store.insert(done);
            store.insert(running);
            store.insert(queued);
        }
        try (JobsFixture g = new JobsFixture(dir, 0, 1, 4)) {
            g.runner.recover();
            Job resumed = g.await("running"); // no checkpoint: it runs again from the beginning
            assertEquals(JobState.SUCCEEDED, resumed.state(), resumed.reason());
            assertSameEstimate(direct(1, 1000, 1), resumed.results().getFirst().estimate());
            Job requeued = g.await("queued");
            assertEquals(JobState.SUCCEEDED, requeued.state());
            assertSameEstimate(direct(3, 96, 2), requeued.results().getFirst().estimate());
            assertEquals("queued", g.runner.submit(JobsFixture.spec(List.of("t3"), 96, 2), "req-q").id());
            assertEquals(done, g.runner.get("done"));
        }
    }

    @Test
    void aRunningJobOfSeveralTargetsResumesFromItsCheckpointToTheUninterruptedEstimates() throws Exception {
        JobSpec spec = new JobSpec("m", "uniform3", null, List.of("t1", "t2", "t3"), "argmax", "qld", 4096, null, 9);
        List<TargetEstimate> uninterrupted;
        long referenceRows;
        try (JobsFixture f = new JobsFixture(dir.resolve("reference"), 0, 1, 4)) {
            uninterrupted = f.await(f.runner.submit(spec, "").id()).results();
            referenceRows = f.loader.lastEngine.batches().stream().mapToLong(b -> b.tokens().length).sum();
        }
        Path run = dir.resolve("run");
        String id;
        try (JobsFixture f = new JobsFixture(run, 20, 1, 4, Duration.ofMillis(20))) {
            id = f.runner.submit(spec, "").id();
            Waits.until(() -> f.store.checkpoint(id).isPresent()
                    && f.store.find(id).orElseThrow().progress().samplesDone() >= 3 * 1024, "a quarter done and saved");
        } // the stop leaves the store as a kill does
        try (JobStore store = new JobStore(run.resolve("jobs.db"))) {
            assertEquals(JobState.RUNNING, store.find(id).orElseThrow().state());
            byte[][] states = JobCheckpoint.decode(store.checkpoint(id).orElseThrow(), 3);
            for (byte[] state : states) {
                assertTrue(state != null && state.length > 0, "every target saved its state");
            }
        }
        try (JobsFixture g = new JobsFixture(run, 0, 1, 4)) {
            g.runner.recover();
            Job resumed = g.await(id);
            assertEquals(JobState.SUCCEEDED, resumed.state(), resumed.reason());
            assertEquals(uninterrupted.size(), resumed.results().size());
            for (int t = 0; t < uninterrupted.size(); t++) {
                Estimate want = uninterrupted.get(t).estimate();
                Estimate got = resumed.results().get(t).estimate();
                assertEquals(want.estimate(), got.estimate());
                assertEquals(want.stdError(), got.stdError());
                assertEquals(want.samples(), got.samples());
            }
            long rowsRun = g.loader.lastEngine.batches().stream().mapToLong(b -> b.tokens().length).sum();
            assertTrue(rowsRun < referenceRows * 0.8, "the targets resumed in step, from the same sample, so their"
                    + " identical rows ran once, and only those after the checkpoint: " + rowsRun + " rows, "
                    + referenceRows + " uninterrupted");
            assertTrue(g.store.checkpoint(id).isEmpty(), "a finished job keeps no checkpoint");
        }
    }

    @Test
    void aGracefulStopLosesNoQueuedJobAndLeavesRunningOnesAsAKillDoes() throws Exception {
        String runningId;
        String queuedId;
        try (JobsFixture f = new JobsFixture(dir, 20, 1, 4)) {
            runningId = f.runner.submit(JobsFixture.spec(List.of("t1"), 1 << 16, 1), "").id();
            Waits.until(() -> f.runner.get(runningId).state() == JobState.RUNNING, "the first job to run");
            queuedId = f.runner.submit(JobsFixture.spec(List.of("t3"), 96, 2), "req-q").id();
            assertEquals(JobState.QUEUED, f.runner.get(queuedId).state());
        } // the stop (SIGTERM's path: LpeServer.close -> JobRunner.close)
        try (JobStore store = new JobStore(dir.resolve("jobs.db"))) {
            assertEquals(JobState.RUNNING, store.find(runningId).orElseThrow().state(), "left as after a kill");
            assertEquals(JobState.QUEUED, store.find(queuedId).orElseThrow().state(), "still queued");
        }
        try (JobsFixture g = new JobsFixture(dir, 0, 1, 4)) {
            g.runner.recover();
            assertEquals(JobState.QUEUED, g.runner.get(queuedId).state(), "behind the resumed job");
            assertTrue(List.of(JobState.QUEUED, JobState.RUNNING).contains(g.runner.get(runningId).state()),
                    "the running job resumes");
            Job resumed = g.await(runningId);
            assertEquals(JobState.SUCCEEDED, resumed.state(), resumed.reason());
            assertSameEstimate(direct(1, 1 << 16, 1), resumed.results().getFirst().estimate());
            Job requeued = g.await(queuedId);
            assertEquals(JobState.SUCCEEDED, requeued.state());
            assertSameEstimate(direct(3, 96, 2), requeued.results().getFirst().estimate());
        }
    }

    @Test
    void aRequestIdWithADifferentSpecIsRefusedNamingTheDifference() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 0, 4, 4)) {
            Job a = f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 1), "req-1");
            AlreadyExistsException e = assertThrows(AlreadyExistsException.class,
                    () -> f.runner.submit(JobsFixture.spec(List.of("t2"), 65, 1), "req-1"));
            assertEquals("request_id 'req-1' already names job " + a.id() + " with a different spec (targets, budget"
                    + " differ); use a new request_id for a new job", e.getMessage());
            assertThrows(AlreadyExistsException.class, () -> f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 2),
                    "req-1"), "a seed the client chose is part of the spec");
            assertEquals(a.id(), f.runner.submit(JobsFixture.spec(List.of("t1"), 64, 2), "req-1", false).id(),
                    "a seed the server picked is not");
            assertEquals(1, f.runner.list(null, 100, 0).size());
        }
    }

    @Test
    void exactEnumerationOfATooLargeDistributionIsRefusedAtSubmit() throws Exception {
        try (JobsFixture f = new JobsFixture(dir, 0, 4, 4)) {
            String sixteen = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]";
            String json = "{\"positions\": [" + String.join(", ", java.util.Collections.nCopies(6, sixteen)) + "]}";
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> f.runner.submit(
                    new JobSpec("m", null, json, List.of("t1"), "argmax", "exact", 10, null, 1), ""));
            assertEquals("spec.method", e.violations().getFirst().field());
            assertTrue(e.getMessage().contains("has 16777216 inputs, too many to enumerate"), e.getMessage());
            assertEquals(0, f.runner.list(null, 100, 0).size(), "a refused job must not reach the store");
        }
    }
}
