package lpe.engine;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/**
 * The GPU benchmark of the estimators' engine calls (tools/gpu/run.sh), on the model that tools/gpu/bench_torch.py
 * prepared: per batch size, milliseconds per call of lpe_run's whole tensors (LOGITS and EMBEDDING_GRADIENTS: what
 * ITGIS and MHIS moved to Java before the estimator pass) and of the estimator pass as ITGIS (group sums) and MHIS
 * (one position per row) ask for it, with the columns the bench distribution's support (ids 1000..1999) or the whole
 * vocabulary. Prints one JSON object per (batch, call).
 *
 * <p>Usage: NativePassBench DIR [DEVICE [PRECISION [BATCHES]]] (defaults cuda, fp32, 64,256,1024; BATCHES
 * comma-separated)
 */
public final class NativePassBench {

    static final int REPEATS = 10;

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        String device = args.length > 1 ? args[1] : "cuda";
        NativePrecision precision = NativePrecision.parse(args.length > 2 ? args[2] : "fp32");
        int[] batches = Arrays.stream((args.length > 3 ? args[3] : "64,256,1024").split(",")).mapToInt(Integer::parseInt).toArray();
        HfCheckpoint checkpoint = HfCheckpoint.read(folder);
        int[][] rows = NativeBench.readRows(folder.resolve("agreement.i32"));
        try (NativeEngine engine = NativeEngine.open(NativeLibrary.load(), checkpoint.config(), checkpoint.tensors(), device, precision)) {
            int v = engine.shape().vocabularySize();
            int[] support = new int[1000];
            Arrays.setAll(support, k -> 1000 + k);
            int[] vocabulary = new int[v];
            Arrays.setAll(vocabulary, k -> k);
            Random random = new Random(3);
            for (int b : batches) {
                int[][] tokens = Arrays.copyOf(rows, b);
                int[] targets = random.ints(b, 0, v).toArray();
                int[][] positions = new int[b][];
                for (int r = 0; r < b; r++) {
                    positions[r] = new int[] {1 + random.nextInt(NativeBench.LENGTH - 1)};
                }
                Set<Output> itgis = EnumSet.of(Output.ARGMAX, Output.TARGET_LOGIT, Output.ONE_HOT_GRADIENT_SUMS);
                Set<Output> mhis = EnumSet.of(Output.ARGMAX, Output.TARGET_LOGIT, Output.PROPOSALS);
                float[][] u = new float[b][1];
                for (float[] row : u) {
                    row[0] = random.nextFloat();
                }
                int[] reverse = random.ints(b, 0, 1000).toArray();
                time(engine, "whole logits+gradients", new EngineRequest(tokens, EnumSet.of(Output.LOGITS, Output.EMBEDDING_GRADIENTS), targets), precision);
                time(engine, "itgis support", new EngineRequest(tokens, itgis, targets, support, null, null, null), precision);
                time(engine, "itgis vocabulary", new EngineRequest(tokens, itgis, targets, vocabulary, null, null, null), precision);
                time(engine, "mhis support", new EngineRequest(tokens, mhis, targets, support, positions, null,
                        new Proposals(uniformLaw(support.length), u, reverse)), precision);
                time(engine, "mhis vocabulary", new EngineRequest(tokens, mhis, targets, vocabulary, positions, null,
                        new Proposals(uniformLaw(v), u, reverse)), precision);
            }
        }
    }

    /** The paper's setting: every position but the first uniform over all k columns; temperature 1.5. */
    static ProposalLaw uniformLaw(int k) {
        float[][] logPriors = new float[NativeBench.LENGTH][k];
        Arrays.fill(logPriors[0], Float.NEGATIVE_INFINITY);
        for (int i = 1; i < logPriors.length; i++) {
            Arrays.fill(logPriors[i], (float) -Math.log(k));
        }
        return new ProposalLaw(logPriors, 1.5);
    }

    static void time(NativeEngine engine, String call, EngineRequest request, NativePrecision precision) {
        engine.run(request);  // warm-up
        long start = System.nanoTime();
        for (int i = 0; i < REPEATS; i++) {
            engine.run(request);
        }
        double ms = (System.nanoTime() - start) / 1e6 / REPEATS;
        System.out.printf("{\"bench\": \"estimator pass\", \"call\": \"%s\", \"precision\": \"%s\", \"batch\": %d,"
                + " \"ms_per_call\": %.3f, \"rows_per_s\": %.0f}%n", call, precision.code(), request.rows(), ms, request.rows() / ms * 1e3);
    }
}
