package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.SubmitJobRequest;

/**
 * A server on fakes in a child JVM ({@link FakeServerMain} with these arguments; its log goes to a file in its
 * directory), and a client of it. {@link #kill()} is SIGKILL: no shutdown hook, no graceful close.
 */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final ManagedChannel channel;

    ServerProcess(Path dir, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), FakeServerMain.class.getName(),
                dir.toString()));
        line.addAll(List.of(args));
        process = new ProcessBuilder(line)
                .redirectError(dir.resolve("child-" + System.nanoTime() + ".log").toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        String first = out.readLine();
        if (first == null || !first.startsWith("PORT ")) {
            throw new AssertionError("the child server did not start: " + first);
        }
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(first.substring(5)))
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
