package lpe.engine;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import lpe.model.Model;
import lpe.model.ModelReader;

/**
 * Runs DjlEngine in a JVM of its own (DJL's libtorch and the native engine's cannot share a process) and writes its
 * outputs for {@link #request} as big-endian floats: logits, activations, gradients, projections, unembedding.
 *
 * <p>Usage: DjlOutputs MODEL_DIR OUT_FILE
 */
public final class DjlOutputs {

    /** Six rows of seven seeded tokens and targets. */
    static EngineRequest request(int vocabulary) {
        Random random = new Random(11);
        int[][] tokens = new int[6][7];
        int[] targets = new int[tokens.length];
        for (int r = 0; r < tokens.length; r++) {
            for (int t = 0; t < tokens[r].length; t++) {
                tokens[r][t] = random.nextInt(vocabulary);
            }
            targets[r] = random.nextInt(vocabulary);
        }
        return new EngineRequest(tokens, NativeEngineReferenceTest.WHOLE, targets);
    }

    static int[] projectedIds(int vocabulary) {
        return new int[] {0, 1, vocabulary / 2, vocabulary - 1};
    }

    public static void main(String[] args) throws IOException {
        Model model = new ModelReader().read(Path.of(args[0]));
        int v = model.config().vocabularySize();
        try (DjlEngine engine = new DjlEngine(model);
                DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(new FileOutputStream(args[1])))) {
            EngineResult r = engine.run(request(v));
            write(out, r.logits());
            write(out, r.activations());
            for (float[][] g : r.embeddingGradients()) {
                write(out, g);
            }
            write(out, engine.projectOntoEmbeddings(r.activations(), projectedIds(v)));
            write(out, engine.unembedding());
        }
    }

    static void write(DataOutputStream out, float[][] m) throws IOException {
        for (float[] row : m) {
            for (float x : row) {
                out.writeFloat(x);
            }
        }
    }
}
