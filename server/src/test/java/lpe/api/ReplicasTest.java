package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lpe.jobs.JobStore;
import lpe.jobs.PostgresCluster;
import lpe.jobs.Reference;
import lpe.jobs.StoreLocation;
import lpe.jobs.StoreUnavailableException;
import lpe.v1.CancelJobRequest;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.SubmitJobRequest;
import lpe.v1.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several replicas on one PostgreSQL store: a replica killed with SIGKILL loses its leases and the others finish its
 * jobs, each once and to the result of an uninterrupted run; watches and cancels on one replica of a job another runs;
 * replicas with different model roots; a database away for a few seconds; and an SQLite store refusing a second server.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicasTest {
    @RegisterExtension
    static final PostgresCluster postgres = new PostgresCluster();

    @TempDir
    Path dir;

    private static ServerConfig config() {
        return new ServerConfig(0, -1, null, null, null, List.of("m"));
    }

    /** Every write of a final state that the store accepted, recorded by the database itself. */
    private static void recordCompletions(StoreLocation store) throws SQLException {
        try (Connection c = DriverManager.getConnection(store.jdbcUrl(), store.properties());
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE completions (id TEXT NOT NULL, state TEXT NOT NULL, lease_holder TEXT)");
            s.execute("CREATE FUNCTION record_completion() RETURNS trigger AS $$ BEGIN INSERT INTO completions"
                    + " VALUES (NEW.id, NEW.state, NEW.lease_holder); RETURN NEW; END $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER completions AFTER UPDATE ON jobs FOR EACH ROW WHEN (NEW.state IN ('SUCCEEDED',"
                    + " 'FAILED', 'CANCELLED', 'INTERRUPTED')) EXECUTE FUNCTION record_completion()");
        }
    }

    private static Map<String, String> query(StoreLocation store, String sql) throws SQLException {
        Map<String, String> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(store.jdbcUrl(), store.properties());
                Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                rows.put(r.getString(1), r.getString(2));
            }
        }
        return rows;
    }

    @Test
    void aReplicaKilledMidRunLosesItsLeasesAndTheOthersFinishEachOfItsJobsOnceToTheSameResult() throws Exception {
        StoreLocation store = postgres.newDatabase();
        List<ServerProcess> replicas = new ArrayList<>();
        try {
            for (int r = 0; r < 3; r++) {
                replicas.add(new ServerProcess(Files.createDirectory(dir.resolve("r" + r)), "2", "100", "10",
                        store.toString(), "m"));
            }
            recordCompletions(store);
            int jobs = 100;
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < jobs; k++) {
                ids.add(replicas.get(k % 3).submit(1 + k % 8, 640, 1000 + k, "job-" + k).getId());
            }
            ServerProcess victim = replicas.getFirst();
            String victimHolder = query(store, "SELECT id, lease_holder FROM jobs WHERE id = '" + ids.getFirst() + "'")
                    .get(ids.getFirst());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (query(store, "SELECT id, state FROM jobs WHERE state = 'SUCCEEDED' AND lease_holder = '" + victimHolder
                    + "'").size() < 4) {
                assertTrue(System.nanoTime() < deadline, "the victim never finished 4 jobs");
                Thread.sleep(20);
            }
            victim.kill();
            Map<String, String> orphaned = query(store, "SELECT id, state FROM jobs WHERE lease_holder = '" + victimHolder
                    + "' AND state IN ('QUEUED', 'RUNNING')");
            assertTrue(orphaned.containsValue("RUNNING"), "killed mid-run: " + orphaned);
            assertTrue(orphaned.containsValue("QUEUED"), "killed with jobs queued: " + orphaned);

            List<ServerProcess> survivors = replicas.subList(1, 3);
            for (int k = 0; k < jobs; k++) {
                Job done = survivors.get(k % 2).awaitState(ids.get(k), Job.State.SUCCEEDED);
                EstimationApiTest.assertSame(Reference.naive(1 + k % 8, 640, 1000 + k),
                        done.getResult().getEstimates(0));
            }
            Map<String, String> completions = query(store,
                    "SELECT id, COUNT(*) FROM completions GROUP BY id HAVING COUNT(*) <> 1 OR MIN(state) <> 'SUCCEEDED'");
            assertEquals(Map.of(), completions, "jobs completed other than once, successfully");
            assertEquals(Map.of("n", String.valueOf(jobs)),
                    query(store, "SELECT 'n', COUNT(DISTINCT id) FROM completions"));
            Map<String, String> finalHolders = query(store, "SELECT id, lease_holder FROM jobs");
            for (String id : orphaned.keySet()) {
                assertFalse(victimHolder.equals(finalHolders.get(id)), "job " + id + " was not taken over");
            }
        } finally {
            for (ServerProcess p : replicas) {
                p.close();
            }
        }
    }

    @Test
    void aWatchOnOneReplicaStreamsTheProgressOfAJobAnotherRunsAndACancelThereEndsIt() throws Exception {
        StoreLocation store = postgres.newDatabase();
        try (TestServer a = new TestServer(Files.createDirectory(dir.resolve("a")), store, config(), 10, 2, 8, false);
                TestServer b = new TestServer(Files.createDirectory(dir.resolve("b")), store, config(), 10, 2, 8, false)) {
            String id = b.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 1 << 20, 1)).build())
                    .getId();
            Iterator<Job> watch = a.jobs().watchJob(WatchJobRequest.newBuilder().setName(id).build());
            long previous = -1;
            int progressed = 0;
            while (progressed < 2) {
                Job update = watch.next();
                assertFalse(update.getDone(), "the job ended early: " + update);
                if (update.getState() == Job.State.RUNNING && update.getProgress().getSamplesDone() > previous) {
                    if (previous >= 0) {
                        progressed++;
                    }
                    previous = update.getProgress().getSamplesDone();
                }
            }
            Job cancelled = a.jobs().cancelJob(CancelJobRequest.newBuilder().setName(id).build());
            assertEquals(Job.State.CANCELLED, cancelled.getState());
            Job last = null;
            while (watch.hasNext()) {
                last = watch.next();
            }
            assertEquals(Job.State.CANCELLED, last.getState());
            assertEquals(Job.State.CANCELLED, b.jobs().getJob(GetJobRequest.newBuilder().setName(id).build()).getState());
        }
    }

    @Test
    void aReplicaDoesNotTakeOverJobsForModelsItLacks() throws Exception {
        StoreLocation store = postgres.newDatabase();
        String blocker;
        String other;
        try (TestServer b = new TestServer(Files.createDirectory(dir.resolve("b")), store, config(), 20, 1, 8, false)) {
            blocker = b.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 1 << 14, 1)).build())
                    .getId();
            other = b.jobs().submitJob(SubmitJobRequest.newBuilder()
                    .setSpec(TestServer.spec(2, 256, 2).setModel("other")).build()).getId();
            assertEquals(Job.State.QUEUED, b.jobs().getJob(GetJobRequest.newBuilder().setName(other).build()).getState());
        } // stopped as if killed: both jobs stay held by b until their leases end
        assertEquals("RUNNING", query(store, "SELECT id, state FROM jobs WHERE id = '" + blocker + "'").get(blocker));
        String holder = query(store, "SELECT id, lease_holder FROM jobs WHERE id = '" + other + "'").get(other);
        try (TestServer a = new TestServer(Files.createDirectory(dir.resolve("a")), store, List.of("m"), config(), 0,
                1, 8, false)) {
            Job rerun = a.await(blocker); // taken over once its lease ended
            EstimationApiTest.assertSame(Reference.naive(1, 1 << 14, 1), rerun.getResult().getEstimates(0));
            Thread.sleep(JobStore.LEASE.toMillis() / 2);
            Job left = a.jobs().getJob(GetJobRequest.newBuilder().setName(other).build());
            assertEquals(Job.State.QUEUED, left.getState(), "a replica without model 'other' ran its job");
            assertEquals(holder, query(store, "SELECT id, lease_holder FROM jobs WHERE id = '" + other + "'").get(other));
        }
        try (TestServer c = new TestServer(Files.createDirectory(dir.resolve("c")), store, config(), 0, 1, 8, false)) {
            Job done = c.await(other);
            EstimationApiTest.assertSame(Reference.naive(2, 256, 2), done.getResult().getEstimates(0));
        }
    }

    @Test
    void jobsRunningWhileTheDatabaseIsAwayForAFewSecondsAllFinishToTheirResults() throws Exception {
        StoreLocation store = postgres.newDatabase();
        try (TestServer s = new TestServer(dir, store, config(), 10, 2, 8, false)) {
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                ids.add(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1 + k, 640, 50 + k))
                        .build()).getId());
            }
            postgres.stop();
            Thread.sleep(3000);
            postgres.start();
            for (int k = 0; k < 6; k++) {
                Job done = s.await(ids.get(k));
                assertEquals(Job.State.SUCCEEDED, done.getState(), done.getReason());
                EstimationApiTest.assertSame(Reference.naive(1 + k, 640, 50 + k), done.getResult().getEstimates(0));
            }
        }
    }

    @Test
    void aSecondServerOnAnSqliteStoreIsRefusedInOneLine() throws Exception {
        Path db = dir.resolve("jobs.db");
        try (ServerProcess first = new ServerProcess(dir)) {
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(db));
            assertEquals("job store " + db + " is in use by another lpe server (it holds " + db + ".lock); an SQLite"
                    + " store serves one server: stop that one, or use a postgresql:// store for several replicas",
                    e.getMessage());
            first.kill();
        }
        try (JobStore store = new JobStore(db)) {
            assertTrue(store.list(null, 10, 0).isEmpty(), "the lock of a killed server is gone with it");
        }
    }
}
