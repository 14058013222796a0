package lpe.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import lpe.estimate.Estimate;
import org.junit.jupiter.api.Test;

/** What every job store guarantees, run against SQLite and against a real PostgreSQL. */
abstract class JobStoreContract {
    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    /** A new, empty store location. */
    abstract StoreLocation newStore() throws Exception;

    /** A connection of its own to the store's database. */
    abstract Connection raw(StoreLocation store) throws SQLException;

    static Job job(String id, String requestId, JobState state) {
        return new Job(id, requestId, JobsFixture.spec(List.of("t1"), 64, 7), state, "", Progress.none(64), List.of(),
                T, null, null);
    }

    /** An estimate with values in every field it has (read from JSON, so the test does not follow its shape). */
    static Estimate estimate() {
        return new com.google.gson.Gson().fromJson("{\"method\": \"naive\", \"estimate\": 0.25, \"stdError\": 0.01,"
                + " \"ci95Low\": 0.23, \"ci95High\": 0.27, \"ess\": 64, \"samples\": 64, \"seed\": 7}", Estimate.class);
    }

    @Test
    void everyJobComesBackAsItWasLastWritten() throws Exception {
        StoreLocation location = newStore();
        Job done = job("a", "req-a", JobState.QUEUED);
        try (JobStore store = new JobStore(location)) {
            store.insert(done);
            store.insert(job("b", "", JobState.QUEUED));
            store.insert(job("c", "req-c", JobState.RUNNING));
            done = done.withState(JobState.RUNNING, "", T.plusSeconds(1))
                    .withProgress(new Progress(64, 64, 3.5, List.of(), 0.5))
                    .succeeded(List.of(new TargetEstimate(1, "t1", estimate())), T.plusSeconds(2));
            store.update(done);
        }
        try (JobStore store = new JobStore(location)) {
            assertEquals(done, store.find("a").orElseThrow());
            assertEquals(done, store.findByRequestId("req-a").orElseThrow());
            assertEquals(List.of("c", "b", "a"), ids(store.list(null, 10, 0)));
            assertEquals(List.of("b"), ids(store.list(null, 1, 1)));
            assertEquals(List.of("c"), ids(store.list(JobState.RUNNING, 10, 0)));
            assertEquals(List.of("b", "c"), ids(store.unfinished()));
            assertTrue(store.find("zz").isEmpty());
        }
    }

    @Test
    void ownersAreStoredAndAListOfOneOwnerHoldsItsJobsOnly() throws Exception {
        StoreLocation location = newStore();
        try (JobStore store = new JobStore(location)) {
            for (String[] j : new String[][] {{"a", "alice"}, {"b", "bob"}, {"c", "alice"}}) {
                Job job = job(j[0], "", JobState.QUEUED);
                store.insert(new Job(job.id(), job.requestId(), job.spec(), job.state(), job.reason(), job.progress(),
                        job.results(), job.createdAt(), null, null, j[1]));
            }
            assertEquals("bob", store.find("b").orElseThrow().owner());
            assertEquals(List.of("c", "a"), ids(store.list(null, "alice", 10, 0)));
            assertEquals(List.of("a"), ids(store.list(JobState.QUEUED, "alice", 10, 1)));
            assertEquals(List.of(), ids(store.list(JobState.RUNNING, "alice", 10, 0)));
            assertEquals(List.of("c", "b", "a"), ids(store.list(null, null, 10, 0)));
        }
    }

    @Test
    void anUnreadableRowIsSkippedByListsNamedWhenAskedForAndKept() throws Exception {
        StoreLocation location = newStore();
        try (JobStore store = new JobStore(location)) {
            for (String id : List.of("a", "b", "c", "d")) {
                store.insert(job(id, "req-" + id, JobState.QUEUED));
            }
        }
        try (Connection c = raw(location); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE jobs SET spec = '{not json' WHERE id = 'b'");
            s.executeUpdate("UPDATE jobs SET state = 'NO_SUCH_STATE' WHERE id = 'c'");
        }
        try (JobStore store = new JobStore(location)) {
            assertEquals(List.of("d", "a"), ids(store.list(null, 10, 0)));
            assertEquals(List.of("a", "d"), ids(store.unfinished()));
            UnreadableJobException e = assertThrows(UnreadableJobException.class, () -> store.find("b"));
            assertTrue(e.getMessage().startsWith("job b in the job store " + location + " cannot be read ("),
                    e.getMessage());
            assertThrows(UnreadableJobException.class, () -> store.findByRequestId("req-c"));
        }
        try (Connection c = raw(location); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT spec FROM jobs WHERE id = 'b'")) {
            assertTrue(r.next());
            assertEquals("{not json", r.getString(1));
        }
    }

    @Test
    void aStoreIsMigratedToTheLatestSchemaAndANewerOneIsRefusedAndKept() throws Exception {
        StoreLocation location = newStore();
        try (JobStore store = new JobStore(location)) {
            store.insert(job("a", "", JobState.QUEUED));
        }
        try (Connection c = raw(location); Statement s = c.createStatement()) {
            assertEquals("4", latestVersion(s));
            s.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (99, '99', 'from a newer lpe', 'SQL',"
                    + " 'V99__from_a_newer_lpe.sql', 0, 'test', 0, TRUE)");
        }
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(location));
        assertEquals("job store " + location + " has schema version 99, newer than this server's 4: run the lpe"
                + " version that wrote it, or another --store", e.getMessage());
        try (Connection c = raw(location); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT COUNT(*) FROM jobs")) {
            assertTrue(r.next());
            assertEquals(1, r.getInt(1));
            assertEquals("99", latestVersion(s));
        }
    }

    @Test
    void aJobIsHeldByItsWriterUntilAnotherReplicaTakesItOverAndACancelRequestReachesTheHolder() throws Exception {
        StoreLocation location = newStore();
        try (JobStore store = new JobStore(location)) {
            Job queued = job("q", "", JobState.QUEUED);
            store.insert(queued);
            store.insert(job("r", "", JobState.RUNNING));
            store.insert(job("done", "", JobState.SUCCEEDED));
            assertEquals(new JobStore.Renewal(Set.of("q", "r"), Set.of()), store.renew(List.of("q", "r", "done")));
            assertEquals(List.of(), store.takeOver(List.of("m"), 10), "its own live jobs are not taken over");
            assertTrue(store.requestCancel("r"));
            assertFalse(store.requestCancel("done"), "a finished job has nothing to cancel");
            assertEquals(new JobStore.Renewal(Set.of("q", "r"), Set.of("r")), store.renew(List.of("q", "r")));

            try (Connection c = raw(location); Statement s = c.createStatement()) { // a replica that died held them
                s.executeUpdate("UPDATE jobs SET lease_holder = 'gone', lease_until = 0");
            }
            assertEquals(new JobStore.Renewal(Set.of(), Set.of()), store.renew(List.of("q", "r")));
            assertFalse(store.update(queued.withState(JobState.RUNNING, "", T)), "only the holder writes a job");
            assertFalse(store.update(queued.withState(JobState.RUNNING, "", T), new byte[] {1}),
                    "or its checkpoint");
            assertTrue(store.checkpoint("q").isEmpty());
            assertEquals(List.of(), store.takeOver(List.of("other"), 10), "only jobs of the given models");
            assertEquals(List.of(new JobStore.TakenOver(queued, false)), store.takeOver(List.of("m"), 1),
                    "oldest first, up to the limit");
            assertEquals(List.of("r"), store.takeOver(List.of("m"), 10).stream().map(t -> t.job().id()).toList());
            assertTrue(store.update(queued.withState(JobState.RUNNING, "", T)));
        }
    }

    @Test
    void aStoreOfSchemaVersion2GetsTheCheckpointOwnerAndLeaseColumnsAndKeepsItsJobs() throws Exception {
        StoreLocation location = newStore();
        Job running = job("a", "req-a", JobState.RUNNING).withProgress(new Progress(32, 64, 1, List.of(), 0));
        try (JobStore store = new JobStore(location)) {
            store.insert(running);
        }
        try (Connection c = raw(location); Statement s = c.createStatement()) { // back to what version 2 made
            s.executeUpdate("ALTER TABLE jobs DROP COLUMN checkpoint");
            s.executeUpdate("ALTER TABLE jobs DROP COLUMN owner");
            for (String column : List.of("model", "lease_holder", "lease_until", "cancel_requested")) {
                s.executeUpdate("ALTER TABLE jobs DROP COLUMN " + column);
            }
            s.executeUpdate("DELETE FROM flyway_schema_history WHERE version IN ('3', '4')");
            assertEquals("2", latestVersion(s));
        }
        try (JobStore store = new JobStore(location)) {
            assertEquals(running, store.find("a").orElseThrow());
            assertEquals("", store.find("a").orElseThrow().owner(), "an older store's jobs have no owner");
            assertTrue(store.checkpoint("a").isEmpty());
            assertEquals(List.of(new JobStore.TakenOver(running, false)), store.takeOver(List.of("m"), 10),
                    "an older store's unfinished jobs are held by no replica");
            assertTrue(store.update(running, new byte[] {1, 2, 3}));
            assertArrayEquals(new byte[] {1, 2, 3}, store.checkpoint("a").orElseThrow());
        }
        try (Connection c = raw(location); Statement s = c.createStatement()) {
            assertEquals("4", latestVersion(s));
        }
    }

    @Test
    void aCheckpointIsWrittenWithItsJobKeptByProgressUpdatesAndDroppedAtTheEnd() throws Exception {
        StoreLocation location = newStore();
        Job running = job("a", "", JobState.RUNNING);
        try (JobStore store = new JobStore(location)) {
            store.insert(running);
            Job later = running.withProgress(new Progress(48, 64, 2, List.of(), 0.1));
            store.update(later, new byte[] {7, 0, -1});
            assertEquals(later, store.find("a").orElseThrow(), "the snapshot is written with the checkpoint");
            store.update(later.withProgress(new Progress(56, 64, 2, List.of(), 0.1)));
            assertArrayEquals(new byte[] {7, 0, -1}, store.checkpoint("a").orElseThrow(), "kept by a progress update");
            store.update(later.withState(JobState.CANCELLED, "cancelled", T.plusSeconds(3)));
            assertTrue(store.checkpoint("a").isEmpty(), "a final job keeps no checkpoint");
            assertTrue(store.checkpoint("no such job").isEmpty());
        }
    }

    static String latestVersion(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT version FROM flyway_schema_history WHERE version IS NOT NULL"
                + " ORDER BY installed_rank DESC")) {
            assertTrue(r.next());
            return r.getString(1);
        }
    }

    static List<String> ids(List<Job> jobs) {
        return jobs.stream().map(Job::id).toList();
    }
}
