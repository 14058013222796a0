package lpe.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The PostgreSQL store, on a throwaway cluster: the contract, an unreachable database, a restart while serving. */
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
}
