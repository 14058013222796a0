package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.ProvisionException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import lpe.jobs.FullDisk;
import lpe.jobs.JobState;
import lpe.jobs.PostgresCluster;
import lpe.jobs.Reference;
import lpe.jobs.StoreLocation;
import lpe.jobs.StoreUnavailableException;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import lpe.v1.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a store that goes wrong: a corrupt row, a full disk, a store it cannot open; and the whole server on
 * PostgreSQL giving the results it gives on SQLite.
 */
class StoreFaultsTest {
    @RegisterExtension
    static final PostgresCluster postgres = new PostgresCluster();

    @TempDir
    Path dir;

    private static ServerConfig config() {
        return new ServerConfig(0, -1, null, null, null, List.of("m"));
    }

    @Test
    void aCorruptRowLeavesListJobsWorkingAndItsJobIsDataLossById() throws Exception {
        String good;
        String bad;
        try (TestServer s = new TestServer(dir, 0, 4, 4, null, false)) {
            good = s.await(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 64, 1)).build())
                    .getId()).getId();
            bad = s.await(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(2, 64, 2)).build())
                    .getId()).getId();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("jobs.db"));
                Statement st = c.createStatement()) {
            assertEquals(1, st.executeUpdate("UPDATE jobs SET results = '[{\"oops' WHERE id = '" + bad + "'"));
        }
        try (TestServer s = new TestServer(dir, 0, 4, 4, null, false)) {
            List<Job> listed = s.jobs().listJobs(ListJobsRequest.newBuilder().setPageSize(10).build()).getJobsList();
            assertEquals(List.of(good), listed.stream().map(Job::getId).toList());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> s.jobs().getJob(GetJobRequest.newBuilder().setName("jobs/" + bad).build()));
            assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("job " + bad + " in the job store "
                    + dir.resolve("jobs.db") + " cannot be read ("), e.getStatus().getDescription());
            Job next = s.await(s.jobs().submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(3, 64, 3))
                    .build()).getId());
            assertEquals(Job.State.SUCCEEDED, next.getState());
        }
    }

    @Test
    void aFullDiskRefusesNewJobsUnavailableNamingTheStoreAndKeepsTheStoredOnes() throws Exception {
        Path file = dir.resolve("jobs.db");
        StoreLocation full = FullDisk.limitedTo(file, 6);
        try (TestServer s = new TestServer(dir, full, config(), 0, 4, 4, false)) {
            int stored = 0;
            // Beside the server's store (which a second JobStore may not open): large fillers until one does not fit,
            // then small ones, so the disk is full for any new job.
            com.google.gson.Gson gson = new com.google.gson.Gson();
            String spec = gson.toJson(new lpe.jobs.JobSpec("m", "uniform3", null, List.of("t1"), "argmax", "naive", 64,
                    null, 1L));
            try (Connection c = DriverManager.getConnection(full.jdbcUrl(), full.properties())) {
                for (int reason : new int[] {1500, 0}) {
                    while (true) {
                        try (java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO jobs (id, spec, state,"
                                + " reason, progress, results, created_at) VALUES (?, ?, 'FAILED', ?, ?, '[]', 0)")) {
                            insert.setString(1, "filler" + stored);
                            insert.setString(2, spec);
                            insert.setString(3, "x".repeat(reason));
                            insert.setString(4, gson.toJson(lpe.jobs.Progress.none(64)));
                            insert.executeUpdate();
                            stored++;
                        } catch (java.sql.SQLException disk) {
                            assertTrue(disk.getMessage().contains("full"), disk.getMessage());
                            break;
                        }
                    }
                }
            }
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> s.jobs().submitJob(
                    SubmitJobRequest.newBuilder().setSpec(TestServer.spec(1, 64, 1)).build()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("job store " + file + ": cannot store job "),
                    e.getStatus().getDescription());
            assertTrue(e.getStatus().getDescription().contains("full"), e.getStatus().getDescription());
            assertEquals(stored, s.jobs().listJobs(ListJobsRequest.newBuilder().setPageSize(1000).build())
                    .getJobsCount());
            assertEquals(0, s.server.activeJobs());
        }
    }

    @Test
    void aStoreTheServerCannotOpenStopsItBeforeItServes() {
        Path missing = dir.resolve("missing/jobs.db");
        ProvisionException e = assertThrows(ProvisionException.class,
                () -> new TestServer(dir, StoreLocation.sqlite(missing), config(), 0, 4, 4, false));
        assertTrue(e.getCause() instanceof StoreUnavailableException, e.toString());
        assertTrue(e.getCause().getMessage().contains("does not exist"), e.getCause().getMessage());
        assertTrue(Files.notExists(missing.getParent()));
    }

    @Test
    void aServerOnPostgresqlGivesTheEstimatesOfTheReference() throws Exception {
        try (TestServer s = new TestServer(dir, postgres.newDatabase(), config(), 0, 4, 4, false)) {
            var health = HealthGrpc.newBlockingStub(s.channel).check(HealthCheckRequest.getDefaultInstance());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
            for (int target = 1; target <= 3; target++) {
                Job done = s.await(s.jobs().submitJob(SubmitJobRequest.newBuilder()
                        .setSpec(TestServer.spec(target, 512, 40 + target)).build()).getId());
                assertEquals(Job.State.SUCCEEDED, done.getState(), done.getReason());
                EstimationApiTest.assertSame(Reference.naive(target, 512, 40 + target), done.getResult().getEstimates(0));
            }
            assertEquals(3, s.jobs().listJobs(ListJobsRequest.newBuilder().setPageSize(10).build()).getJobsCount());
        }
    }
}
