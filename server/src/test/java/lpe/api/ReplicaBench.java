package lpe.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import lpe.jobs.PostgresCluster;
import lpe.jobs.StoreLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not a test (its name does not end in Test, so the build does not run it): jobs per second through 1 and
 * through 3 replicas (server JVMs on fakes, {@link FakeServerMain}) on one PostgreSQL store on loopback with its default
 * durability, side by side in one run. Eight client threads submit {@link #JOBS} naive jobs of {@link #BUDGET} samples
 * round-robin over the replicas; the time runs from the first submit until the store holds every job SUCCEEDED. Two
 * fake devices: one whose batches sleep 10 ms (device-bound, as a GPU replica is) and one that does not sleep (the
 * servers' CPU and the store are the bound). Each replica runs at most 4 jobs at once. Prints one line per (device,
 * replicas): seconds, jobs per second, and the ratio of 3 replicas to 1.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl server -am test -Dtest=ReplicaBench -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ReplicaBench {
    static final int JOBS = 300;
    static final int BUDGET = 320;

    @RegisterExtension
    static final PostgresCluster postgres = new PostgresCluster(true);

    @TempDir
    Path dir;

    @Test
    void oneVersusThreeReplicas() throws Exception {
        System.out.println("| fake device batch | replicas | jobs | seconds | jobs/s | 3 replicas / 1 |");
        System.out.println("|---|---|---|---|---|---|");
        for (int sleepMillis : new int[] {10, 0}) {
            double one = run(1, sleepMillis);
            double three = run(3, sleepMillis);
            System.out.printf("| %d ms | 1 | %d | %.2f | %.1f | |%n", sleepMillis, JOBS, JOBS / one, one);
            System.out.printf("| %d ms | 3 | %d | %.2f | %.1f | %.2f |%n", sleepMillis, JOBS, JOBS / three, three,
                    three / one);
        }
    }

    /** Jobs per second through this many replicas. */
    private double run(int replicas, int sleepMillis) throws Exception {
        StoreLocation store = postgres.newDatabase();
        List<ServerProcess> servers = new ArrayList<>();
        try {
            for (int r = 0; r < replicas; r++) {
                servers.add(new ServerProcess(Files.createDirectory(dir.resolve("s" + sleepMillis + "-" + replicas
                        + "-" + r)), "4", String.valueOf(JOBS), String.valueOf(sleepMillis), store.toString(), "m"));
            }
            long t0 = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
                List<Future<?>> submits = new ArrayList<>();
                for (int k = 0; k < JOBS; k++) {
                    int job = k;
                    submits.add(clients.submit(() -> servers.get(job % replicas).submit(1 + job % 8, BUDGET, job, "")));
                }
                for (Future<?> f : submits) {
                    f.get();
                }
            }
            try (Connection c = DriverManager.getConnection(store.jdbcUrl(), store.properties());
                    Statement s = c.createStatement()) {
                while (true) {
                    try (ResultSet r = s.executeQuery("SELECT COUNT(*) FILTER (WHERE state = 'SUCCEEDED'),"
                            + " COUNT(*) FILTER (WHERE state NOT IN ('QUEUED', 'RUNNING', 'SUCCEEDED')) FROM jobs")) {
                        r.next();
                        if (r.getInt(2) > 0) {
                            throw new AssertionError(r.getInt(2) + " jobs did not succeed");
                        }
                        if (r.getInt(1) == JOBS) {
                            break;
                        }
                    }
                    Thread.sleep(10);
                }
            }
            return JOBS / ((System.nanoTime() - t0) / 1e9);
        } finally {
            for (ServerProcess s : servers) {
                s.close();
            }
        }
    }
}
