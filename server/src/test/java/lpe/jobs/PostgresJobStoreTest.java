package lpe.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PostgreSQL store, on a throwaway cluster: the contract, an unreachable database, a restart while serving, and the
 * leases of several replicas on one database.
 */
class PostgresJobStoreTest extends JobStoreContract {
    @RegisterExtension
    static final PostgresCluster postgres = new PostgresCluster();

    @Override
    StoreLocation newStore() throws Exception {
        return postgres.newDatabase();
    }

    @Override
    Connection raw(StoreLocation store) throws SQLException {
        return PostgresCluster.connect(store);
    }

    @Test
    void anUnreachableDatabaseIsOneLineAtStartNamingItWithoutThePassword() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        StoreLocation location = StoreLocation.parse("postgresql://lpe:secret@127.0.0.1:" + closed + "/jobs");
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(location));
        assertTrue(e.getMessage().startsWith("job store postgresql://lpe:***@127.0.0.1:" + closed
                + "/jobs cannot be opened: "), e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("secret") || e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aDatabaseThatRestartsWhileServingIsReconnectedAndNothingIsLost() throws Exception {
        StoreLocation location = postgres.newDatabase();
        try (JobStore store = new JobStore(location)) {
            store.insert(job("a", "", JobState.QUEUED));
            postgres.stop();
            Thread restart = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1500);
                    postgres.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            store.insert(job("b", "", JobState.QUEUED));
            restart.join();
            assertTrue(System.nanoTime() - t0 > 1_000_000_000L, "the insert did not wait for the database");
            assertEquals(java.util.List.of("b", "a"), ids(store.list(null, 10, 0)));
        }
    }

    private static void expireLeases(StoreLocation location) throws SQLException {
        try (Connection c = PostgresCluster.connect(location); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE jobs SET lease_until = 0");
        }
    }

    @Test
    void onlyTheHolderOfAJobsLeaseWritesItAndAnEndedLeaseIsTakenOverForItsModelOnly() throws Exception {
        StoreLocation location = postgres.newDatabase();
        try (JobStore a = new JobStore(location); JobStore b = new JobStore(location)) {
            Job job = job("j", "", JobState.QUEUED);
            a.insert(job);
            a.insert(new Job("x", "", new JobSpec("x-model", "uniform3", null, List.of("t1"), "argmax", "naive", 64,
                    null, 7L), JobState.QUEUED, "", Progress.none(64), List.of(), T, null, null));
            assertEquals(List.of(), b.takeOver(List.of("m"), 10), "a live lease is not taken over");
            assertFalse(b.update(job.withState(JobState.RUNNING, "", T)), "b does not hold it");
            assertEquals(new JobStore.Renewal(Set.of("j"), Set.of()), a.renew(List.of("j")));

            expireLeases(location);
            assertEquals(List.of(new JobStore.TakenOver(job, false)), b.takeOver(List.of("m"), 10));
            Job done = job.withState(JobState.RUNNING, "", T).succeeded(List.of(), T.plusSeconds(1));
            assertFalse(a.update(done), "a's lease ended and b took the job over");
            assertEquals(new JobStore.Renewal(Set.of(), Set.of()), a.renew(List.of("j")));
            assertEquals(job, a.find("j").orElseThrow());

            assertTrue(a.requestCancel("j"));
            assertEquals(new JobStore.Renewal(Set.of("j"), Set.of("j")), b.renew(List.of("j")));
            assertTrue(b.update(done));
            assertEquals(done, a.find("j").orElseThrow());
            assertEquals(JobState.QUEUED, a.find("x").orElseThrow().state(), "no replica has x-model");
        }
    }

    @Test
    void replicasTakingOverAtOnceNeverTakeTheSameJob() throws Exception {
        StoreLocation location = postgres.newDatabase();
        int jobs = 60;
        try (JobStore writer = new JobStore(location)) {
            for (int i = 0; i < jobs; i++) {
                writer.insert(job("j" + i, "", JobState.QUEUED));
            }
        }
        expireLeases(location);
        List<JobStore> replicas = List.of(new JobStore(location), new JobStore(location), new JobStore(location));
        try (ExecutorService pool = Executors.newFixedThreadPool(replicas.size())) {
            List<Future<List<String>>> taken = replicas.stream().map(r -> pool.submit(() -> {
                List<String> ids = new java.util.ArrayList<>();
                List<JobStore.TakenOver> batch;
                while (!(batch = r.takeOver(List.of("m"), 3)).isEmpty()) {
                    batch.forEach(t -> ids.add(t.job().id()));
                }
                return ids;
            })).toList();
            Set<String> all = new HashSet<>();
            int total = 0;
            for (Future<List<String>> f : taken) {
                total += f.get().size();
                all.addAll(f.get());
            }
            assertEquals(jobs, total, "a job was taken over twice");
            assertEquals(jobs, all.size());
        } finally {
            replicas.forEach(JobStore::close);
        }
    }
}
