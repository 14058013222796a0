package lpe.estimate;

import java.util.EnumSet;
import java.util.SplittableRandom;
import lpe.dist.InputDistribution;
import lpe.engine.Logits;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * Ground truth as the paper makes it (docs/methods.md#ground-truth): naive sampling that counts the argmax token of every sample,
 * for all tokens at once. Sample k belongs to chunk k / 2^16, whose inputs come from a generator seeded by
 * (seed, chunk) alone, so a run can stop after any sample and resume at exactly the next one, and runs with
 * different seeds are independent shards whose counts add.
 */
public final class GroundTruth {
    public static final int CHUNK = 1 << 16;
    static final int BATCH = 512;

    private GroundTruth() {}

    /**
     * Adds the argmax counts of samples [from, to) to {@code counts}, calling {@code checkpoint} with the number of
     * samples done after every batch. Stops with a CancellationException when the thread is interrupted.
     */
    public static void count(InputDistribution d, Engine engine, long seed, long from, long to, long[] counts,
            java.util.function.LongConsumer checkpoint) {
        if (counts.length != engine.shape().vocabularySize()) {
            throw new IllegalArgumentException("counts has " + counts.length + " entries; the vocabulary has "
                    + engine.shape().vocabularySize());
        }
        long done = from;
        while (done < to) {
            long chunk = done / CHUNK;
            SplittableRandom random = new SplittableRandom(chunkSeed(seed, chunk));
            for (long skip = chunk * CHUNK; skip < done; skip++) {
                d.sample(random); // resume inside a chunk: replay its draws without running them
            }
            long chunkEnd = Math.min(to, (chunk + 1) * CHUNK);
            while (done < chunkEnd) {
                Checks.throwIfCancelled();
                int rows = (int) Math.min(BATCH, chunkEnd - done);
                int[][] tokens = new int[rows][];
                for (int b = 0; b < rows; b++) {
                    tokens[b] = d.sample(random);
                }
                for (float[] logits : engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS), null)).logits()) {
                    counts[Logits.argmax(logits)]++;
                }
                done += rows;
                checkpoint.accept(done);
            }
        }
    }

    /** A well-mixed seed per (seed, chunk) (MurmurHash3's finaliser), so that chunk streams do not overlap. */
    static long chunkSeed(long seed, long chunk) {
        long z = seed * 0x9E3779B97F4A7C15L + chunk * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
