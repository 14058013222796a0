package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lpe.jobs.Reference;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import lpe.v1.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real server JVM killed with SIGKILL and restarted on the same store. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KillRestartTest {
    @TempDir
    Path dir;

    /** A child JVM serving on fakes, and a client of it. */
    private final class Child implements AutoCloseable {
        final Process process;
        final ManagedChannel channel;

        Child() throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    FakeServerMain.class.getName(), dir.toString())
                    .redirectError(dir.resolve("child-" + System.nanoTime() + ".log").toFile())
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
            String line = out.readLine();
            if (line == null || !line.startsWith("PORT ")) {
                throw new AssertionError("the child server did not start: " + line);
            }
            channel = ManagedChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(line.substring(5)))
                    .usePlaintext().build();
        }

        EstimationServiceGrpc.EstimationServiceBlockingStub jobs() {
            return EstimationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        Job get(String id) {
            return jobs().getJob(GetJobRequest.newBuilder().setName(id).build());
        }

        Job submit(int target, long budget, long seed, String requestId) {
            return jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(target, budget, seed))
                    .setRequestId(requestId).build());
        }

        Job awaitState(String id, Job.State state) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Job job = get(id);
                if (job.getState() == state) {
                    return job;
                }
                Thread.sleep(10);
            }
            throw new AssertionError("job " + id + " never reached " + state + ": " + get(id));
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

    @Test
    void afterKillMinus9FinishedResultsSurviveAndRunningAndQueuedJobsRunToTheirResults() throws Exception {
        Job finished;
        String running;
        String queued;
        try (Child first = new Child()) {
            finished = first.awaitState(first.submit(1, 320, 11, "r1").getId(), Job.State.SUCCEEDED);
            running = first.submit(2, 1 << 16, 12, "r2").getId();
            Job snapshot = first.awaitState(running, Job.State.RUNNING);
            queued = first.submit(3, 320, 13, "r3").getId();
            assertEquals(Job.State.QUEUED, first.get(queued).getState());
            Thread.sleep(1500); // at least one persisted progress snapshot of the running job
            assertTrue(first.get(running).getProgress().getSamplesDone() > snapshot.getProgress().getSamplesDone());
            first.kill();
        }
        try (Child second = new Child()) {
            assertEquals(finished.getResult(), second.get(finished.getId()).getResult());
            assertEquals(Job.State.SUCCEEDED, second.get(finished.getId()).getState());
            Job rerun = second.awaitState(running, Job.State.SUCCEEDED);
            EstimationApiTest.assertSame(Reference.naive(2, 1 << 16, 12), rerun.getResult().getEstimates(0));
            Job requeued = second.awaitState(queued, Job.State.SUCCEEDED);
            EstimationApiTest.assertSame(Reference.naive(3, 320, 13), requeued.getResult().getEstimates(0));
            assertEquals(finished.getId(), second.submit(1, 320, 11, "r1").getId());
            assertEquals(running, second.submit(2, 1 << 16, 12, "r2").getId());
            assertEquals(queued, second.submit(3, 320, 13, "r3").getId());
            List<Job> all = second.jobs().listJobs(ListJobsRequest.getDefaultInstance()).getJobsList();
            assertEquals(3, all.size(), "no job lost, none started twice");
        }
    }
}
