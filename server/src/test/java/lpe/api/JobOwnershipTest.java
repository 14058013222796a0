package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import lpe.jobs.Caller;
import lpe.v1.CancelJobRequest;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.ListJobsRequest;
import lpe.v1.SubmitJobRequest;
import lpe.v1.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job ownership through real gRPC (loopback), identities from a tokens file: users see, watch and cancel their own
 * jobs only, another's job answers NOT_FOUND exactly as an unknown id does, admins see every job, and the owner is
 * kept across a restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobOwnershipTest {
    @TempDir
    Path dir;

    private static EstimationServiceGrpc.EstimationServiceBlockingStub as(TestServer s, String token) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
        return s.jobs().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private TestServer server(Map<String, Caller> tokens) throws Exception {
        return new TestServer(dir, new ServerConfig(0, -1, tokens, null, null, List.of(), "127.0.0.1"), 20, 4, 16,
                true);
    }

    private static StatusRuntimeException refused(Status.Code code, Supplier<?> call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    private static List<String> ids(List<Job> jobs) {
        return jobs.stream().map(Job::getId).toList();
    }

    @Test
    void usersSeeOnlyTheirOwnJobsAnotherOnesIsNotFoundAsAnUnknownIdAndAdminsSeeAll() throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# name:role:token\nalice:user:a-secret\n\nbob:user:b-secret\nroot:admin:r-secret\n");
        Map<String, Caller> tokens = TokensFile.read(file);
        String aliceJob;
        String bobJob;
        try (TestServer s = server(tokens)) {
            aliceJob = as(s, "a-secret").submitJob(SubmitJobRequest.newBuilder()
                    .setSpec(TestServer.spec(1, 64, 1)).setRequestId("alice-1").build()).getId();
            bobJob = as(s, "b-secret").submitJob(SubmitJobRequest.newBuilder()
                    .setSpec(TestServer.spec(2, 1 << 20, 2)).setRequestId("bob-1").build()).getId();
            assertEquals(List.of(aliceJob), ids(as(s, "a-secret").listJobs(ListJobsRequest.getDefaultInstance())
                    .getJobsList()));
            assertEquals(List.of(bobJob), ids(as(s, "b-secret").listJobs(ListJobsRequest.getDefaultInstance())
                    .getJobsList()));
            assertEquals(List.of(bobJob, aliceJob), ids(as(s, "r-secret")
                    .listJobs(ListJobsRequest.getDefaultInstance()).getJobsList()));

            StatusRuntimeException unknown = refused(Status.Code.NOT_FOUND,
                    () -> as(s, "a-secret").getJob(GetJobRequest.newBuilder().setName("jobs/0000000000000000").build()));
            StatusRuntimeException others = refused(Status.Code.NOT_FOUND,
                    () -> as(s, "a-secret").getJob(GetJobRequest.newBuilder().setName(bobJob).build()));
            assertEquals(unknown.getStatus().getDescription().replace("0000000000000000", bobJob),
                    others.getStatus().getDescription(), "another's job reads as an unknown one");
            refused(Status.Code.NOT_FOUND,
                    () -> as(s, "a-secret").cancelJob(CancelJobRequest.newBuilder().setName(bobJob).build()));
            refused(Status.Code.NOT_FOUND, () -> as(s, "a-secret")
                    .watchJob(WatchJobRequest.newBuilder().setName(bobJob).build()).next());
            assertFalse(as(s, "b-secret").getJob(GetJobRequest.newBuilder().setName(bobJob).build()).getDone(),
                    "a refused cancel leaves the job running");
            StatusRuntimeException taken = refused(Status.Code.ALREADY_EXISTS, () -> as(s, "a-secret")
                    .submitJob(SubmitJobRequest.newBuilder().setSpec(TestServer.spec(2, 1 << 20, 2))
                            .setRequestId("bob-1").build()));
            assertEquals("request_id 'bob-1' is already used by another client; use a new request_id for a new job",
                    taken.getStatus().getDescription());
            assertEquals(Job.State.CANCELLED, as(s, "r-secret")
                    .cancelJob(CancelJobRequest.newBuilder().setName(bobJob).build()).getState(), "admins cancel any");
            assertEquals(aliceJob, as(s, "a-secret").submitJob(SubmitJobRequest.newBuilder()
                    .setSpec(TestServer.spec(1, 64, 1)).setRequestId("alice-1").build()).getId());
        }
        try (TestServer s = server(tokens)) { // the owner is stored
            assertEquals(List.of(aliceJob), ids(as(s, "a-secret").listJobs(ListJobsRequest.getDefaultInstance())
                    .getJobsList()));
            refused(Status.Code.NOT_FOUND,
                    () -> as(s, "b-secret").getJob(GetJobRequest.newBuilder().setName(aliceJob).build()));
            assertEquals(2, as(s, "r-secret").listJobs(ListJobsRequest.getDefaultInstance()).getJobsCount());
        }
    }

    @Test
    void aTokensFileThatBreaksARuleIsRefusedWithOneLineNamingTheLine() throws Exception {
        Map<String, String> bad = Map.of(
                "alice:user\n", "line 1: expected name:role:token",
                "alice:root:x\n", "line 1: role 'root' is not user or admin",
                "al ice:user:x\n", "line 1: the name 'al ice' must be letters, digits, '.', '_' or '-'",
                "alice:user:x\nalice:admin:y\n", "line 2: the name 'alice' is given twice",
                "alice:user:x\nbob:admin:x\n", "line 2: 'bob' has the token of 'alice'; each identity needs a token of"
                        + " its own",
                "# nobody\n", "names no identity (lines name:role:token)");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Path file = dir.resolve("tokens");
            Files.writeString(file, b.getKey());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokensFile.read(file));
            assertEquals("--tokens-file " + file + " " + b.getValue(), e.getMessage());
        }
        Path missing = dir.resolve("missing");
        assertEquals("--tokens-file " + missing + " cannot be read (no such file)",
                assertThrows(IllegalArgumentException.class, () -> TokensFile.read(missing)).getMessage());
    }
}
