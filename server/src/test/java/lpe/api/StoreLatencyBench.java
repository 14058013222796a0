package lpe.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lpe.jobs.Job;
import lpe.jobs.JobSpec;
import lpe.jobs.JobState;
import lpe.jobs.JobStore;
import lpe.jobs.PostgresCluster;
import lpe.jobs.Progress;
import lpe.jobs.StoreLocation;
import lpe.v1.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not a test (its name does not end in Test, so the build does not run it): the latency that the
 * PostgreSQL store adds to SQLite's, side by side in one run, for the store writes of a submit (insert) and of a progress
 * snapshot (update), and for a whole SubmitJob call to an in-process server on fakes whose jobs run meanwhile.
 * PostgreSQL runs on loopback with its default durability (fsync, synchronous commit); SQLite in WAL with
 * synchronous=NORMAL, as the server opens it. Prints one line per (store, operation): mean, p50 and p99 in
 * microseconds, and PostgreSQL's ratio to SQLite.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl server -am test -Dtest=StoreLatencyBench -Dsurefire.failIfNoSpecifiedTests=false}
 */
class StoreLatencyBench {
    static final int WRITES = 2000;
    static final int SUBMITS = 400;

    @RegisterExtension
    static final PostgresCluster postgres = new PostgresCluster(true);

    @TempDir
    Path dir;

    @Test
    void postgresqlVersusSqlite() throws Exception {
        StoreLocation sqlite = StoreLocation.sqlite(dir.resolve("bench.db"));
        StoreLocation pg = postgres.newDatabase();
        List<String> lines = new ArrayList<>();
        double[][] sqliteWrites = writes(sqlite);
        double[][] pgWrites = writes(pg);
        double[] sqliteSubmits = submits(Files.createDirectory(dir.resolve("s")), StoreLocation.sqlite(
                dir.resolve("s/jobs.db")));
        double[] pgSubmits = submits(Files.createDirectory(dir.resolve("p")), postgres.newDatabase());
        lines.add(line("insert (a submit's write)", sqliteWrites[0], pgWrites[0]));
        lines.add(line("update (a progress write)", sqliteWrites[1], pgWrites[1]));
        lines.add(line("SubmitJob call, in-process", sqliteSubmits, pgSubmits));
        System.out.println("| operation | SQLite mean / p50 / p99 (us) | PostgreSQL mean / p50 / p99 (us) | PostgreSQL / SQLite (mean) |");
        System.out.println("|---|---|---|---|");
        lines.forEach(System.out::println);
    }

    /** Microseconds of each insert, then of each update with a progress snapshot. */
    private static double[][] writes(StoreLocation location) {
        try (JobStore store = new JobStore(location)) {
            double[] inserts = new double[WRITES];
            double[] updates = new double[WRITES];
            JobSpec spec = new JobSpec("m", "uniform3", null, List.of("t1"), "argmax", "naive", 1 << 16, null, 1L);
            for (int i = 0; i < WRITES; i++) {
                Job job = new Job("bench" + i, "req" + i, spec, JobState.QUEUED, "", Progress.none(1 << 16), List.of(),
                        Instant.now(), null, null);
                long t0 = System.nanoTime();
                store.insert(job);
                long t1 = System.nanoTime();
                store.update(job.withState(JobState.RUNNING, "", Instant.now())
                        .withProgress(new Progress(i, 1 << 16, 1e5, List.of(), 0.1)));
                long t2 = System.nanoTime();
                inserts[i] = (t1 - t0) / 1e3;
                updates[i] = (t2 - t1) / 1e3;
            }
            return new double[][] {warm(inserts), warm(updates)};
        }
    }

    /** Microseconds of each SubmitJob call (jobs of 256 samples, running while the next ones are submitted). */
    private static double[] submits(Path dir, StoreLocation store) throws Exception {
        double[] micros = new double[SUBMITS];
        try (TestServer s = new TestServer(dir, store, new ServerConfig(0, -1, null, null, null, List.of("m")), 0,
                8, SUBMITS, false)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < SUBMITS; i++) {
                long t0 = System.nanoTime();
                ids.add(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1 + i % 3, 256, i))
                        .build()).getId());
                micros[i] = (System.nanoTime() - t0) / 1e3;
            }
            for (String id : ids) {
                s.await(id);
            }
        }
        return warm(micros);
    }

    /** Drops the first tenth (JIT warm-up, connection set-up). */
    private static double[] warm(double[] micros) {
        return Arrays.copyOfRange(micros, micros.length / 10, micros.length);
    }

    private static String line(String what, double[] sqlite, double[] pg) {
        return String.format("| %s | %s | %s | %.2f |", what, stats(sqlite), stats(pg), mean(pg) / mean(sqlite));
    }

    private static String stats(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("%.0f / %.0f / %.0f", mean(v), s[s.length / 2], s[(int) (s.length * 0.99)]);
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }
}
