package lpe.estimate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import lpe.batching.Batcher;
import lpe.batching.BatcherMeters;
import lpe.batching.BatcherConfig;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.engine.ProposalDraws;

/**
 * Probe (a main, not a test): N MHIS targets at once through one Batcher on an engine that answers instantly with
 * random reduced outputs of the paper's shape (vocabulary 48262, token 0 then 32 positions over 1000 ids), so that
 * what is left is MHIS's own work and the batching. Prints wall time, rows (with MHIS's re-evaluations) and the
 * engine's time.
 *
 *   java -cp ... lpe.estimate.MhisBatchingProbe TARGETS BUDGET BATCH_ROWS
 */
public final class MhisBatchingProbe {

    /** Random argmax, target logits and proposal draws, as a device would return them. */
    private static final class InstantEngine implements Engine {
        private final ModelShape shape = new ModelShape(48262, 512, 64);

        @Override
        public ModelShape shape() {
            return shape;
        }

        @Override
        public synchronized EngineResult run(EngineRequest request) {
            int n = request.rows();
            SplittableRandom random = new SplittableRandom(n);
            int[] argmax = new int[n];
            float[] targetLogits = new float[n];
            for (int b = 0; b < n; b++) {
                argmax[b] = random.nextInt(shape.vocabularySize());
                targetLogits[b] = (float) random.nextGaussian();
            }
            int q = request.positions()[0].length;
            int[][] columns = new int[n][q];
            float[][] logProbabilities = new float[n][q];
            float[] reverse = new float[n];
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < q; j++) {
                    columns[b][j] = request.proposals().law().isFixed(request.positions()[b][j]) ? -1
                            : random.nextInt(request.columns().length);
                    logProbabilities[b][j] = (float) -random.nextExponential() - 6.9f;
                }
                reverse[b] = (float) -random.nextExponential() - 6.9f;
            }
            return new EngineResult(null, null, null, argmax, targetLogits,
                    new ProposalDraws(columns, logProbabilities, reverse), null);
        }

        @Override
        public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[][] unembedding() {
            throw new UnsupportedOperationException();
        }
    }

    public static void main(String[] args) throws Exception {
        int targets = Integer.parseInt(args[0]);
        int budget = Integer.parseInt(args[1]);
        int batchRows = Integer.parseInt(args[2]);
        List<Position> positions = new ArrayList<>(List.of(Position.fixed(0)));
        int[] ids = new int[1000];
        double[] weights = new double[1000];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = 1000 + k;
            weights[k] = 1;
        }
        for (int i = 0; i < 32; i++) {
            positions.add(new Position(ids, weights));
        }
        InputDistribution distribution = new InputDistribution("paper", positions);
        InstantEngine engine = new InstantEngine();
        long start = System.nanoTime();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Batcher batcher = new Batcher("probe", engine, new BatcherConfig(batchRows, Duration.ofMillis(20)),
                        meters);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Estimate>> runs = new ArrayList<>();
            for (int i = 0; i < targets; i++) {
                int target = 100 + i;
                runs.add(pool.submit(() -> {
                    try (Batcher.Participant participant = batcher.open("job-" + target)) {
                        return new Mhis().run(new EstimationProblem(distribution, target, new Behavior.Argmax(), budget,
                                1.0, target), participant, ProgressListener.NONE);
                    }
                }));
            }
            for (Future<Estimate> run : runs) {
                run.get();
            }
            System.out.printf("%d MHIS targets x budget %d, batch rows %d: %.1f s wall; %s%n", targets, budget,
                    batchRows, (System.nanoTime() - start) / 1e9, BatcherMeters.of(meters, "probe"));
        }
    }
}
