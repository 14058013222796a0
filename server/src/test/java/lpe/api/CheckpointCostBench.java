package lpe.api;

import com.google.inject.Guice;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lpe.batching.BatcherConfig;
import lpe.jobs.JobStore;
import lpe.jobs.JobsConfig;
import lpe.jobs.StoreLocation;
import lpe.model.TestModels;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.SubmitJobRequest;
import lpe.v1.TargetRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not a test (its name does not end in Test, so the build does not run it): what checkpointing costs a
 * running job, side by side in one run. Three in-process servers with the production wiring (DJL on stories260K, one
 * job at a time, SQLite stores) differ only in the checkpoint interval: off, the default 5 s, and 100 ms (fifty times
 * the default rate, the resume test's setting). The same job of naive, itgis-ce and QLD (the largest state: every
 * activation row so far) runs on each server in turn, ROUNDS times after a warm-up round, the servers' order rotating
 * each round; a job's time is its end time minus its start time. Prints per method and interval the median time and
 * its ratio to the median with checkpoints off. (MHIS is left out: its default 1,024 burn-in steps take a minute a
 * job on two CPU cores; its state, chains and recorded values, is smaller than QLD's.) A second part times the store
 * write of a checkpoint alone, by state size (SQLite, one UPDATE with the progress snapshot, as JobRun writes it):
 * less noisy than whole jobs on a shared machine, and what the 5 s interval divides.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl server -am test -Dtest=CheckpointCostBench -Dsurefire.failIfNoSpecifiedTests=false}
 */
class CheckpointCostBench {
    static final int ROUNDS = 5;
    /** 3 positions of 24 tokens: short rows, so that a save weighs as much as it can against the rows' work. */
    static final String SPEC = "{\"positions\": [{\"match\": \"^[a-z]+$\"}, {\"match\": \"^[a-z]+$\"},"
            + " {\"match\": \"^[a-z]+$\"}]}";
    static final long[] INTERVALS_MS = {0, 5000, 100};

    @TempDir
    Path dir;

    static Map<String, JobSpec> jobs() {
        Map<String, JobSpec> jobs = new LinkedHashMap<>();
        jobs.put("naive", job("naive", 32768));
        jobs.put("itgis-ce", job("itgis-ce", 16384));
        jobs.put("qld", job("qld", 32768));
        return jobs;
    }

    private static JobSpec job(String method, long budget) {
        return JobSpec.newBuilder().setModel("stories260K").setSpecJson(SPEC).setMethod(method).setBudget(budget)
                .setSeed(3).addTargets(TargetRef.newBuilder().setId(400)).build();
    }

    @Test
    void checkpointCost() throws Exception {
        List<LpeServer> servers = new ArrayList<>();
        List<EstimationServiceGrpc.EstimationServiceBlockingStub> stubs = new ArrayList<>();
        List<ManagedChannel> channels = new ArrayList<>();
        for (long interval : INTERVALS_MS) {
            JobsConfig jobs = new JobsConfig(TestModels.stories260K().getParent(),
                    StoreLocation.sqlite(dir.resolve("jobs-" + interval + ".db")), 1, 64, 1 << 24,
                    new BatcherConfig(512, Duration.ofMillis(2)), Duration.ofMillis(interval));
            String name = InProcessServerBuilder.generateName();
            servers.add(Guice.createInjector(new ServerModule(new ServerConfig(0, -1, null, null, null, List.of()),
                    jobs), new RuntimeModule()).getInstance(LpeServer.class).start(InProcessServerBuilder.forName(name)));
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            channels.add(channel);
            stubs.add(EstimationServiceGrpc.newBlockingStub(channel));
        }
        Map<String, double[][]> seconds = new LinkedHashMap<>();
        jobs().forEach((method, spec) -> seconds.put(method, new double[INTERVALS_MS.length][ROUNDS]));
        for (int round = -1; round < ROUNDS; round++) { // round -1 warms up
            for (Map.Entry<String, JobSpec> job : jobs().entrySet()) {
                for (int k = 0; k < INTERVALS_MS.length; k++) {
                    int s = Math.floorMod(k + round, INTERVALS_MS.length);
                    double t = run(stubs.get(s), job.getValue());
                    if (round >= 0) {
                        seconds.get(job.getKey())[s][round] = t;
                    }
                }
            }
        }
        for (Map.Entry<String, double[][]> m : seconds.entrySet()) {
            double off = median(m.getValue()[0]);
            for (int s = 0; s < INTERVALS_MS.length; s++) {
                double t = median(m.getValue()[s]);
                System.out.printf("%-9s checkpoint %-7s median %7.3f s  ratio to off %.4f  (runs %s)%n", m.getKey(),
                        INTERVALS_MS[s] == 0 ? "off" : INTERVALS_MS[s] + "ms", t, t / off,
                        Arrays.toString(m.getValue()[s]));
            }
        }
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        servers.forEach(LpeServer::close);
    }

    @Test
    void saveTimeByStateSize() {
        try (JobStore store = new JobStore(StoreLocation.sqlite(dir.resolve("saves.db")))) {
            lpe.jobs.Job job = new lpe.jobs.Job("j", "", new lpe.jobs.JobSpec("m", "hex", null, List.of("t"),
                    "argmax", "qld", 1, null, 1), lpe.jobs.JobState.RUNNING, "", lpe.jobs.Progress.none(1), List.of(),
                    java.time.Instant.now(), java.time.Instant.now(), null);
            store.insert(job);
            for (int size : new int[] {1 << 10, 1 << 17, 1 << 20, 1 << 23}) {
                byte[] state = new byte[size];
                new java.util.Random(size).nextBytes(state);
                double[] millis = new double[25];
                for (int i = -5; i < millis.length; i++) {
                    long t = System.nanoTime();
                    store.update(job, state);
                    if (i >= 0) {
                        millis[i] = (System.nanoTime() - t) / 1e6;
                    }
                }
                double m = median(millis);
                System.out.printf("state %8d bytes: save median %8.3f ms, %.3f%% of a 5 s interval%n", size, m,
                        m / 5000 * 100);
            }
        }
    }

    private static double run(EstimationServiceGrpc.EstimationServiceBlockingStub stub, JobSpec spec)
            throws InterruptedException {
        String id = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getId();
        while (true) {
            Job job = stub.withDeadlineAfter(60, TimeUnit.SECONDS).getJob(GetJobRequest.newBuilder().setName(id).build());
            if (job.getDone()) {
                if (job.getState() != Job.State.SUCCEEDED) {
                    throw new AssertionError(job.getReason());
                }
                return job.getEndTime().getSeconds() - job.getStartTime().getSeconds()
                        + (job.getEndTime().getNanos() - job.getStartTime().getNanos()) / 1e9;
            }
            Thread.sleep(20);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
