package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lpe.jobs.Reference;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real server JVM killed with SIGKILL and restarted on the same store. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KillRestartTest {
    @TempDir
    Path dir;

    @Test
    void afterKillMinus9FinishedResultsSurviveRunningJobsResumeToTheirResultsAndQueuedOnesRun() throws Exception {
        Job finished;
        String running;
        String queued;
        try (ServerProcess first = new ServerProcess(dir)) {
            finished = first.awaitState(first.submit(1, 320, 11, "r1").getId(), Job.State.SUCCEEDED);
            running = first.submit(2, 1 << 13, 12, "r2").getId();
            Job snapshot = first.awaitState(running, Job.State.RUNNING);
            queued = first.submit(3, 320, 13, "r3").getId();
            assertEquals(Job.State.QUEUED, first.get(queued).getState());
            Thread.sleep(1500); // at least one persisted progress snapshot of the running job
            assertTrue(first.get(running).getProgress().getSamplesDone() > snapshot.getProgress().getSamplesDone());
            first.kill();
        }
        try (ServerProcess second = new ServerProcess(dir)) {
            assertEquals(finished.getResult(), second.get(finished.getId()).getResult());
            assertEquals(Job.State.SUCCEEDED, second.get(finished.getId()).getState());
            Job resumed = second.get(running);
            assertTrue(List.of(Job.State.QUEUED, Job.State.RUNNING, Job.State.SUCCEEDED).contains(resumed.getState()),
                    resumed.toString());
            assertTrue(resumed.getProgress().getSamplesDone() > 0, "the last snapshot is kept until it moves on");
            Job rerun = second.awaitState(running, Job.State.SUCCEEDED);
            EstimationApiTest.assertSame(Reference.naive(2, 1 << 13, 12), rerun.getResult().getEstimates(0));
            Job requeued = second.awaitState(queued, Job.State.SUCCEEDED);
            EstimationApiTest.assertSame(Reference.naive(3, 320, 13), requeued.getResult().getEstimates(0));
            assertEquals(finished.getId(), second.submit(1, 320, 11, "r1").getId());
            assertEquals(running, second.submit(2, 1 << 13, 12, "r2").getId());
            assertEquals(queued, second.submit(3, 320, 13, "r3").getId());
            List<Job> all = second.jobs().listJobs(ListJobsRequest.getDefaultInstance()).getJobsList();
            assertEquals(3, all.size(), "no job lost, none started twice");
        }
    }
}
