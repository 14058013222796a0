package lpe.batching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;
import lpe.engine.ProposalLaw;
import lpe.engine.Proposals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BatcherTest {

    private static int[][] randomRows(Random random, int n, int length) {
        int[][] rows = new int[n][length];
        for (int[] row : rows) {
            for (int t = 0; t < length; t++) {
                row[t] = random.nextInt(8); // every FakeEngine here has a vocabulary of at least 8
            }
        }
        return rows;
    }

    @Test
    void everyJobGetsExactlyItsOwnRowsWhileBatchesFuseManyJobs() throws Exception {
        FakeEngine engine = new FakeEngine(32, 4, 2);
        FakeEngine reference = new FakeEngine(32, 4, 0);
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(64, Duration.ofMillis(5)),
                        new SimpleMeterRegistry());
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> jobs = new ArrayList<>();
            for (int j = 0; j < 24; j++) {
                int seed = j;
                jobs.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    try (Batcher.Participant engineForJob = batcher.open("job-" + seed)) {
                        for (int call = 0; call < 10; call++) {
                            int length = 3 + random.nextInt(2);
                            int[][] rows = randomRows(random, 1 + random.nextInt(40), length);
                            int[] targets = random.ints(rows.length, 0, 32).toArray();
                            Set<Output> outputs = random.nextBoolean()
                                    ? EnumSet.of(Output.LOGITS, Output.ACTIVATIONS)
                                    : EnumSet.of(Output.LOGITS, Output.EMBEDDING_GRADIENTS);
                            EngineRequest request = new EngineRequest(rows, outputs, targets);
                            EngineResult got = engineForJob.run(request);
                            EngineResult want = reference.run(request);
                            for (int b = 0; b < rows.length; b++) {
                                assertArrayEquals(want.logits()[b], got.logits()[b]);
                                if (outputs.contains(Output.ACTIVATIONS)) {
                                    assertArrayEquals(want.activations()[b], got.activations()[b]);
                                } else {
                                    for (int t = 0; t < length; t++) {
                                        assertArrayEquals(
                                                want.embeddingGradients()[b][t], got.embeddingGradients()[b][t]);
                                    }
                                }
                            }
                        }
                    }
                    return seed;
                }));
            }
            for (Future<Integer> job : jobs) {
                job.get(60, TimeUnit.SECONDS);
            }
        }
        List<EngineRequest> batches = engine.batches();
        for (EngineRequest batch : batches) {
            assertTrue(batch.rows() <= 64, "a batch exceeded the row limit: " + batch.rows());
        }
        // 240 requests; fused batches must be far fewer than one per request.
        assertTrue(batches.size() < 200, "batches: " + batches.size());
    }

    @Test
    void identicalRowsOfDifferentJobsRunOnceInABatch() throws Exception {
        FakeEngine engine = new FakeEngine(16, 2, 0);
        int[][] rows = randomRows(new Random(1), 20, 3);
        EngineRequest request = new EngineRequest(rows, EnumSet.of(Output.LOGITS), null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(256, Duration.ofSeconds(5)),
                        meters);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Batcher.Participant a = batcher.open("a");
            Batcher.Participant b = batcher.open("b");
            // Both are open, so the batch waits (up to 5 s) until both have asked: one batch of 20 unique rows.
            Future<EngineResult> ra = pool.submit(() -> a.run(request));
            Future<EngineResult> rb = pool.submit(() -> b.run(request));
            EngineResult ga = ra.get(10, TimeUnit.SECONDS);
            EngineResult gb = rb.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < rows.length; i++) {
                for (int v = 0; v < 16; v++) {
                    assertEquals(FakeEngine.logit(rows[i], v), ga.logits()[i][v]);
                    assertEquals(FakeEngine.logit(rows[i], v), gb.logits()[i][v]);
                }
            }
            BatcherMeters counted = BatcherMeters.of(meters, "m");
            assertEquals(1, counted.batches());
            assertEquals(40, counted.rowsRequested());
            assertEquals(20, counted.rowsRun());
        }
    }

    @Test
    void aSmallJobIsNotStarvedByAHugeOne() throws Exception {
        FakeEngine engine = new FakeEngine(8, 2, 1);
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(100, Duration.ZERO),
                        new SimpleMeterRegistry());
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Batcher.Participant big = batcher.open("big");
            Batcher.Participant small = batcher.open("small");
            EngineRequest huge = new EngineRequest(randomRows(new Random(2), 20_000, 2), EnumSet.of(Output.LOGITS), null);
            CountDownLatch bigStarted = new CountDownLatch(1);
            Future<EngineResult> bigDone = pool.submit(() -> {
                bigStarted.countDown();
                return big.run(huge);
            });
            bigStarted.await();
            Thread.sleep(20);
            for (int i = 0; i < 5; i++) {
                small.run(new EngineRequest(randomRows(new Random(i), 30, 2), EnumSet.of(Output.LOGITS), null));
            }
            // The small job's 5 requests finished while the huge one (200 full batches) still has rows left.
            assertTrue(!bigDone.isDone(), "the huge request finished before the small job's requests");
            assertEquals(20_000, bigDone.get(60, TimeUnit.SECONDS).logits().length);
        }
    }

    /**
     * Requests that fit run whole: 8 participants send 3 requests of 30 rows each through batches of 64 rows; a
     * request is cut only to fill a batch, so requests run over 1.7–1.8 batches on average (six runs; asserted at
     * most 2.5, which does not depend on when the participants' threads get to submit) against 3.96 with equal shares
     * of 64 / 8 rows per participant, the rule before.
     */
    @Test
    void requestsThatFitRunWhole() throws Exception {
        FakeEngine engine = new FakeEngine(8, 2, 1);
        int participants = 8;
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(64, Duration.ofMillis(50)),
                        new SimpleMeterRegistry());
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> jobs = new ArrayList<>();
            List<Batcher.Participant> open = new ArrayList<>();
            for (int j = 0; j < participants; j++) {
                Batcher.Participant p = batcher.open("job-" + j);
                open.add(p);
                int marker = j;
                jobs.add(pool.submit(() -> {
                    for (int call = 0; call < 3; call++) {
                        int[][] rows = new int[30][];
                        for (int r = 0; r < rows.length; r++) {
                            rows[r] = new int[] {marker, call, r / 8, r % 8}; // distinct, naming participant and call
                        }
                        p.run(new EngineRequest(rows, EnumSet.of(Output.LOGITS), null));
                    }
                    return null;
                }));
            }
            for (Future<?> job : jobs) {
                job.get(30, TimeUnit.SECONDS);
            }
            open.forEach(Batcher.Participant::close); // closing earlier would reorder the rotation mid-run
        }
        Map<List<Integer>, Integer> batchesOfRequest = new HashMap<>();
        List<EngineRequest> batches = engine.batches();
        for (int b = 0; b < batches.size(); b++) {
            Set<List<Integer>> requests = new HashSet<>();
            for (int[] row : batches.get(b).tokens()) {
                requests.add(List.of(row[0], row[1]));
            }
            for (List<Integer> request : requests) {
                batchesOfRequest.merge(request, 1, Integer::sum);
            }
        }
        assertEquals(24, batchesOfRequest.size());
        double mean = batchesOfRequest.values().stream().mapToInt(Integer::intValue).average().orElseThrow();
        assertTrue(mean <= 2.5, "a request ran over " + mean + " batches on average: " + batchesOfRequest);
    }

    @Test
    void cancellingStopsAJobsDeviceWorkWithinOneBatch() throws Exception {
        FakeEngine engine = new FakeEngine(8, 2, 5);
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(10, Duration.ZERO),
                        new SimpleMeterRegistry());
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Batcher.Participant p = batcher.open("doomed");
            EngineRequest huge = new EngineRequest(randomRows(new Random(3), 100_000, 2), EnumSet.of(Output.LOGITS), null);
            Future<EngineResult> run = pool.submit(() -> p.run(huge));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (engine.batches().size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertTrue(engine.batches().size() >= 3, "the huge request never started running");
            p.cancel();
            int batchesAtCancel = engine.batches().size();
            Exception e = assertThrows(Exception.class, () -> run.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof JobCancelledException, "cause: " + e.getCause());
            Thread.sleep(50);
            assertTrue(engine.batches().size() <= batchesAtCancel + 1,
                    "batches after cancel: " + (engine.batches().size() - batchesAtCancel));
            assertThrows(JobCancelledException.class,
                    () -> p.run(new EngineRequest(new int[][] {{1, 2}}, EnumSet.of(Output.LOGITS), null)));
        }
    }

    @Test
    void deviceTimeIsApportionedToParticipantsByRows() throws Exception {
        FakeEngine engine = new FakeEngine(8, 2, 20);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(100, Duration.ofSeconds(5)),
                        meters);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Batcher.Participant a = batcher.open("a");
            Batcher.Participant b = batcher.open("b");
            Future<?> fa = pool.submit(() -> a.run(new EngineRequest(randomRows(new Random(5), 30, 2),
                    EnumSet.of(Output.LOGITS), null)));
            Future<?> fb = pool.submit(() -> b.run(new EngineRequest(randomRows(new Random(6), 10, 2),
                    EnumSet.of(Output.LOGITS), null)));
            fa.get(10, TimeUnit.SECONDS);
            fb.get(10, TimeUnit.SECONDS);
            assertEquals(1, BatcherMeters.of(meters, "m").batches());
            assertEquals(3.0, a.deviceSeconds() / b.deviceSeconds(), 0.01);
            assertEquals(BatcherMeters.of(meters, "m").deviceSeconds(), a.deviceSeconds() + b.deviceSeconds(), 1e-6);
        }
    }

    @Test
    void reducedOutputsOfFusedAndSplitRequestsEqualEachJobRunAlone() throws Exception {
        FakeEngine engine = new FakeEngine(32, 4, 1);
        FakeEngine reference = new FakeEngine(32, 4, 0);
        int[] columns = {5, 1, 30, 5};
        Set<Output> outputs = EnumSet.of(Output.ARGMAX, Output.TARGET_LOGIT, Output.PROPOSALS,
                Output.ONE_HOT_GRADIENT_SUMS);
        // two laws: jobs of one law may share batches, jobs of different laws must not
        float[][] priors = {{0, -1, Float.NEGATIVE_INFINITY, -2}, {-0.5f, -0.5f, -0.5f, -0.5f}, {-3, 0, -1, -1}};
        ProposalLaw[] laws = {new ProposalLaw(priors, 0.7), new ProposalLaw(priors, 3.0)};
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(32, Duration.ofMillis(5)),
                        new SimpleMeterRegistry());
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> jobs = new ArrayList<>();
            for (int j = 0; j < 6; j++) {
                int seed = j;
                jobs.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    try (Batcher.Participant engineForJob = batcher.open("job-" + seed)) {
                        for (int call = 0; call < 5; call++) {
                            int[][] rows = randomRows(random, 1 + random.nextInt(50), 3);
                            int[] targets = random.ints(rows.length, 0, 32).toArray();
                            int[][] positions = new int[rows.length][];
                            for (int b = 0; b < rows.length; b++) {
                                positions[b] = random.ints(2, 0, 3).toArray();
                            }
                            float[][] uniforms = new float[rows.length][2];
                            for (float[] u : uniforms) {
                                u[0] = random.nextFloat();
                                u[1] = random.nextFloat();
                            }
                            Proposals proposals = new Proposals(laws[seed % 2], uniforms,
                                    random.ints(rows.length, -1, columns.length).toArray());
                            EngineRequest request = new EngineRequest(rows, outputs, targets, columns, positions, null,
                                    proposals);
                            EngineResult got = engineForJob.run(request);
                            EngineResult want = reference.run(request);
                            assertArrayEquals(want.argmax(), got.argmax());
                            assertArrayEquals(want.targetLogits(), got.targetLogits());
                            assertArrayEquals(want.proposalDraws().columns(), got.proposalDraws().columns());
                            assertArrayEquals(want.proposalDraws().logProbabilities(),
                                    got.proposalDraws().logProbabilities());
                            assertArrayEquals(want.proposalDraws().reverseLogProbabilities(),
                                    got.proposalDraws().reverseLogProbabilities());
                            assertEquals(1, got.oneHotGradientSums().length);
                            for (int i = 0; i < 3; i++) {
                                // summed over the batches the request was split into: float order differs
                                assertArrayEquals(want.oneHotGradientSums()[0][i], got.oneHotGradientSums()[0][i],
                                        1e-3f * rows.length);
                            }
                        }
                    }
                    return 0;
                }));
            }
            for (Future<Integer> job : jobs) {
                job.get();
            }
        }
        assertTrue(engine.batches().stream().anyMatch(b -> b.rows() == 32), "some batch was full (requests split)");
    }

    @Test
    void identicalRowsOfOneRequestEachAddTheirOneHotGradientsToItsSum() throws Exception {
        FakeEngine engine = new FakeEngine(16, 4, 0);
        FakeEngine reference = new FakeEngine(16, 4, 0);
        int[][] rows = {{1, 2, 3}, {1, 2, 3}, {4, 5, 6}, {1, 2, 3}};
        EngineRequest request = new EngineRequest(rows, EnumSet.of(Output.ONE_HOT_GRADIENT_SUMS),
                new int[] {7, 7, 7, 7}, new int[] {2, 9}, null, null, null);
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(64, Duration.ofMillis(1)),
                new SimpleMeterRegistry()); Batcher.Participant p = batcher.open("j")) {
            float[][][] got = p.run(request).oneHotGradientSums();
            float[][][] want = reference.run(request).oneHotGradientSums();
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(want[0][i], got[0][i], 1e-5f);
            }
        }
    }

    @Test
    void aMalformedRequestFailsOnlyItsOwnJob() throws Exception {
        FakeEngine engine = new FakeEngine(8, 2, 0);
        try (Batcher batcher = new Batcher("m", engine, new BatcherConfig(64, Duration.ofMillis(1)),
                new SimpleMeterRegistry())) {
            Batcher.Participant bad = batcher.open("bad");
            Batcher.Participant good = batcher.open("good");
            IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class, () -> bad.run(
                    new EngineRequest(new int[][] {{1, 2}, {3}}, EnumSet.of(Output.LOGITS), null)));
            assertEquals("row 1 has 1 tokens; every row of a request needs the same non-zero length 2",
                    ragged.getMessage());
            IllegalArgumentException id = assertThrows(IllegalArgumentException.class, () -> bad.run(
                    new EngineRequest(new int[][] {{1, 8}}, EnumSet.of(Output.LOGITS), null)));
            assertEquals("row 0 holds token id 8; ids must be in [0, 8)", id.getMessage());
            IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> bad.run(
                    new EngineRequest(new int[][] {{1, 2}}, EnumSet.of(Output.EMBEDDING_GRADIENTS), new int[] {-1})));
            assertEquals("target -1 of row 0 is outside 0..7", target.getMessage());
            EngineResult ok = good.run(new EngineRequest(new int[][] {{1, 2}}, EnumSet.of(Output.LOGITS), null));
            assertEquals(FakeEngine.logit(new int[] {1, 2}, 5), ok.logits()[0][5]);
            assertTrue(engine.batches().stream().allMatch(b -> b.rows() == 1), "no malformed row reached the engine");
        }
    }
}
