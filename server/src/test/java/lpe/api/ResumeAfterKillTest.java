package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import lpe.model.TestModels;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.SubmitJobRequest;
import lpe.v1.TargetRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server JVM ({@link RealServerMain}: DJL on stories260K, checkpoints every 100 ms) killed with SIGKILL at
 * random points of a job of every method, twice per job, and restarted on the same store: every job finishes with
 * exactly (bit for bit, seconds aside) the estimate an uninterrupted server gives, and every job resumed from a
 * checkpoint at least once. The first kill of a job waits until the store holds a checkpoint of it.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class ResumeAfterKillTest {
    private static final int KILLS_PER_JOB = 2;
    /** 3 positions of 24 tokens each. */
    private static final String SMALL_SPEC = spec(24);
    /** 3 positions of 32 tokens each: 32,768 inputs to enumerate. */
    private static final String EXACT_SPEC = spec(32);

    @TempDir
    Path dir;

    private static String spec(int tokens) {
        return IntStream.of(40, 100, 200)
                .mapToObj(from -> IntStream.range(from, from + tokens).mapToObj(Integer::toString)
                        .collect(Collectors.joining(", ", "{\"ids\": [", "]}")))
                .collect(Collectors.joining(", ", "{\"positions\": [", "]}"));
    }

    /**
     * One job of every method; each runs about 3 s on two idle CPU cores (longer under load), long enough for a
     * checkpoint and two kills.
     */
    static Map<String, JobSpec> jobs() {
        Map<String, JobSpec> jobs = new LinkedHashMap<>();
        jobs.put("naive", job("naive", SMALL_SPEC, 24576));
        jobs.put("itgis", job("itgis", SMALL_SPEC, 16384));
        jobs.put("itgis-ce", job("itgis-ce", SMALL_SPEC, 16384));
        jobs.put("mhis", job("mhis", SMALL_SPEC, 1024)); // 64 burn-in steps of 8 chains, then 128 recorded
        jobs.put("qld", job("qld", SMALL_SPEC, 24576));
        jobs.put("gld", job("gld", SMALL_SPEC, 49152));
        jobs.put("auto", job("auto", SMALL_SPEC, 2048)); // its pilots find too few hits: then MHIS
        jobs.put("exact", job("exact", EXACT_SPEC, 1));
        return jobs;
    }

    private static JobSpec job(String method, String spec, long budget) {
        return JobSpec.newBuilder().setModel("stories260K").setSpecJson(spec).setMethod(method)
                .setBudget(budget).setSeed(17).addTargets(TargetRef.newBuilder().setId(300)).build();
    }

    /** Whether the store holds a checkpoint of the job (read as another process would). */
    private static boolean hasCheckpoint(Path store, String id) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store);
                PreparedStatement s = c.prepareStatement("SELECT checkpoint IS NOT NULL FROM jobs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        }
    }

    /** A child server JVM on {@code store}, and a client of it. */
    private final class Child implements AutoCloseable {
        final Process process;
        final ManagedChannel channel;
        final Path log;

        Child(Path store) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            log = dir.resolve("child-" + System.nanoTime() + ".log");
            process = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    RealServerMain.class.getName(), store.toString(), TestModels.stories260K().getParent().toString(),
                    "100")
                    .redirectError(log.toFile())
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
            String line = out.readLine();
            if (line == null || !line.startsWith("PORT ")) {
                throw new AssertionError("the child server did not start: " + line + "\n" + Files.readString(log));
            }
            channel = ManagedChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(line.substring(5)))
                    .usePlaintext().build();
        }

        EstimationServiceGrpc.EstimationServiceBlockingStub stub() {
            return EstimationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        Job get(String id) {
            return stub().getJob(GetJobRequest.newBuilder().setName(id).build());
        }

        Job await(String id, boolean running) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (System.nanoTime() < deadline) {
                Job job = get(id);
                if (job.getDone() || running && job.getState() == Job.State.RUNNING) {
                    return job;
                }
                Thread.sleep(10);
            }
            throw new AssertionError("job " + id + " never got " + (running ? "running" : "done") + ": " + get(id));
        }

        /** SIGKILL: no shutdown hook, no graceful close. */
        void kill() throws InterruptedException {
            channel.shutdownNow();
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, process.exitValue(), "the child must die of SIGKILL");
        }

        @Override
        public void close() throws Exception {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> submitAll(Child child, Map<String, JobSpec> jobs) {
        List<String> ids = new ArrayList<>();
        jobs.forEach((method, spec) -> ids.add(child.stub().submitJob(SubmitJobRequest.newBuilder().setSpec(spec)
                .setRequestId(method).build()).getId()));
        return ids;
    }

    /** The result without its seconds, the one field that is not reproducible. */
    private static lpe.v1.JobResult withoutSeconds(Job job) {
        assertEquals(Job.State.SUCCEEDED, job.getState(), job.getReason());
        lpe.v1.JobResult.Builder r = job.getResult().toBuilder();
        r.getEstimatesBuilderList().forEach(e -> e.clearSeconds());
        return r.build();
    }

    @Test
    void jobsOfEveryMethodKilledAtRandomPointsFinishWithTheUninterruptedEstimates() throws Exception {
        Map<String, JobSpec> jobs = jobs();
        List<String> methods = List.copyOf(jobs.keySet());
        List<lpe.v1.JobResult> reference = new ArrayList<>();
        List<Duration> durations = new ArrayList<>();
        try (Child child = new Child(dir.resolve("reference.db"))) {
            child.await(child.stub().submitJob(SubmitJobRequest.newBuilder() // warms the engine up
                    .setSpec(job("naive", SMALL_SPEC, 4096)).build()).getId(), false);
            for (String id : submitAll(child, jobs)) {
                Job done = child.await(id, false);
                reference.add(withoutSeconds(done));
                durations.add(Duration.ofSeconds(done.getEndTime().getSeconds() - done.getStartTime().getSeconds(),
                        done.getEndTime().getNanos() - done.getStartTime().getNanos()));
            }
        }
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path store = dir.resolve("killed.db");
        List<Path> logs = new ArrayList<>();
        Child child = new Child(store);
        try {
            logs.add(child.log);
            List<String> ids = submitAll(child, jobs);
            for (int j = 0; j < ids.size(); j++) {
                for (int k = 0; k < KILLS_PER_JOB; k++) {
                    if (child.await(ids.get(j), true).getDone()) {
                        break; // it finished before this kill: the next job's kills go on
                    }
                    // first at a random point up to 30% of its uninterrupted time after its first checkpoint is
                    // stored; then, resumed, at a random point 200 ms to 40% of that time after it started again
                    boolean finished = false;
                    while (k == 0 && !finished && !hasCheckpoint(store, ids.get(j))) {
                        finished = child.get(ids.get(j)).getDone();
                        Thread.sleep(5);
                    }
                    long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((k == 0 ? 0 : 200)
                            + (long) (random.nextDouble() * (k == 0 ? 0.3 : 0.4) * durations.get(j).toMillis()));
                    while (!finished && System.nanoTime() < killAt) {
                        finished = child.get(ids.get(j)).getDone();
                        Thread.sleep(5);
                    }
                    if (finished) {
                        break;
                    }
                    child.kill();
                    child = new Child(store);
                    logs.add(child.log);
                }
            }
            for (int j = 0; j < ids.size(); j++) {
                assertEquals(reference.get(j), withoutSeconds(child.await(ids.get(j), false)),
                        methods.get(j) + " after kills at random points (seed " + seed + ")");
            }
            StringBuilder all = new StringBuilder();
            for (Path log : logs) {
                all.append(Files.readString(log));
            }
            for (int j = 0; j < ids.size(); j++) {
                String id = ids.get(j);
                assertTrue(all.toString().contains("job=" + id + " state=RUNNING resumes from its checkpoint"),
                        methods.get(j) + " never resumed from a checkpoint (seed " + seed + "; reference durations "
                                + durations + "); its log lines:\n" + all.toString().lines()
                                .filter(l -> l.contains(id)).collect(Collectors.joining("\n")));
            }
        } finally {
            child.close();
        }
    }
}
