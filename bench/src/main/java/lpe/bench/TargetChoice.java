package lpe.bench;

import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import lpe.dist.InputDistribution;
import lpe.engine.Logits;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * Targets for {@code lpe bench server} on which importance sampling finds hits, even on a random model: the tokens
 * that came closest to being the last-position argmax on a sample of inputs from the distribution.
 *
 * <p>Decision: each token's margin is the largest, over the sampled inputs, of its logit minus the top logit (0 for
 * a token that was the argmax at least once). Tokens are ranked by margin, then by how often they were the argmax,
 * then by id; the first {@code count} are the targets. So the targets are every observed argmax (most frequent
 * first, probabilities down to about 1/samples) followed by the near misses (rarer, still within reach of ITGIS and
 * MHIS on a budget of 2^16). The sample runs on the engine directly, outside the server's batches and timers.
 */
final class TargetChoice {
    private static final int CHUNK = 256;

    private TargetChoice() {}

    static int[] closestToArgmax(Engine engine, InputDistribution distribution, int samples, long seed, int count) {
        int vocabulary = engine.shape().vocabularySize();
        if (count < 1 || count > vocabulary) {
            throw new IllegalArgumentException("--targets must be in [1, " + vocabulary + "] (the vocabulary), got " + count);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("--argmax-samples must be at least 1, got " + samples);
        }
        double[] margin = new double[vocabulary];
        Arrays.fill(margin, Double.NEGATIVE_INFINITY);
        int[] argmaxCount = new int[vocabulary];
        SplittableRandom random = new SplittableRandom(seed);
        for (int done = 0; done < samples; done += CHUNK) {
            int[][] tokens = new int[Math.min(CHUNK, samples - done)][];
            for (int b = 0; b < tokens.length; b++) {
                tokens[b] = distribution.sample(random);
            }
            for (float[] logits : engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS), null)).logits()) {
                int top = Logits.argmax(logits);
                argmaxCount[top]++;
                for (int v = 0; v < vocabulary; v++) {
                    margin[v] = Math.max(margin[v], (double) logits[v] - logits[top]);
                }
            }
        }
        return IntStream.range(0, vocabulary).boxed()
                .sorted(Comparator.<Integer>comparingDouble(v -> -margin[v])
                        .thenComparingInt(v -> -argmaxCount[v])
                        .thenComparingInt(v -> v))
                .limit(count).mapToInt(Integer::intValue).toArray();
    }
}
