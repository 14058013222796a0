package lpe.engine;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Serves {@link Output#ARGMAX}, {@link Output#TARGET_LOGIT}, {@link Output#PROPOSALS} and
 * {@link Output#ONE_HOT_GRADIENT_SUMS} from the whole tensors (logits, embedding gradients) and the engine's projection,
 * in Java: how an engine without a device-side reduction (DjlEngine, the tests' engines) answers them.
 */
public final class ReducedOutputs {
    private static final Set<Output> REDUCED =
            EnumSet.of(Output.ARGMAX, Output.TARGET_LOGIT, Output.PROPOSALS, Output.ONE_HOT_GRADIENT_SUMS);

    private ReducedOutputs() {}

    public static boolean asked(EngineRequest request) {
        return request.outputs().stream().anyMatch(REDUCED::contains);
    }

    /** Runs the whole-tensor request that {@code request} reduces from through {@code run}, then reduces it. */
    public static EngineResult run(EngineRequest request, Function<EngineRequest, EngineResult> run, Engine projector) {
        Set<Output> outputs = request.outputs();
        Set<Output> whole = EnumSet.noneOf(Output.class);
        if (outputs.contains(Output.LOGITS) || outputs.contains(Output.ARGMAX) || outputs.contains(Output.TARGET_LOGIT)) {
            whole.add(Output.LOGITS);
        }
        if (outputs.contains(Output.ACTIVATIONS)) {
            whole.add(Output.ACTIVATIONS);
        }
        if (request.wantsGradients()) {
            whole.add(Output.EMBEDDING_GRADIENTS);
        }
        EngineResult full = run.apply(new EngineRequest(request.tokens(), whole, request.targets()));
        int rows = request.rows();
        int[] argmax = null;
        float[] targetLogits = null;
        if (outputs.contains(Output.ARGMAX)) {
            argmax = new int[rows];
            for (int b = 0; b < rows; b++) {
                argmax[b] = Logits.argmax(full.logits()[b]);
            }
        }
        if (outputs.contains(Output.TARGET_LOGIT)) {
            targetLogits = new float[rows];
            for (int b = 0; b < rows; b++) {
                targetLogits[b] = full.logits()[b][request.targets()[b]];
            }
        }
        ProposalDraws draws = null;
        if (outputs.contains(Output.PROPOSALS)) {
            int q = request.positions()[0].length;
            float[][] vectors = new float[rows * q][];
            for (int b = 0; b < rows; b++) {
                for (int j = 0; j < q; j++) {
                    vectors[b * q + j] = full.embeddingGradients()[b][request.positions()[b][j]];
                }
            }
            draws = draw(request, blocks(projector.projectOntoEmbeddings(vectors, request.columns()), rows, q));
        }
        float[][][] sums = null;
        if (outputs.contains(Output.ONE_HOT_GRADIENT_SUMS)) {
            int length = request.length();
            int width = projector.shape().modelWidth();
            int groups = request.groupCount();
            float[][] gradientSums = new float[groups * length][width];
            for (int b = 0; b < rows; b++) {
                int group = request.groups() == null ? 0 : request.groups()[b];
                for (int i = 0; i < length; i++) {
                    float[] into = gradientSums[group * length + i];
                    for (int e = 0; e < width; e++) {
                        into[e] += full.embeddingGradients()[b][i][e];
                    }
                }
            }
            sums = blocks(projector.projectOntoEmbeddings(gradientSums, request.columns()), groups, length);
        }
        return new EngineResult(outputs.contains(Output.LOGITS) ? full.logits() : null, full.activations(),
                outputs.contains(Output.EMBEDDING_GRADIENTS) ? full.embeddingGradients() : null,
                argmax, targetLogits, draws, sums);
    }

    /** The proposals' draws and log-probabilities from the one-hot gradients h [B][Q][K] at the rows' positions. */
    private static ProposalDraws draw(EngineRequest request, float[][][] h) {
        Proposals proposals = request.proposals();
        int rows = h.length;
        int q = h.length == 0 ? 0 : h[0].length;
        int[][] columns = new int[rows][q];
        float[][] logProbabilities = new float[rows][q];
        float[] reverse = new float[rows];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < q; j++) {
                ProposalLaw.Draw d = proposals.law().draw(h[b][j], request.positions()[b][j], proposals.uniforms()[b][j]);
                columns[b][j] = d.column();
                logProbabilities[b][j] = d.logProbability();
            }
            int back = proposals.reverseColumns()[b];
            reverse[b] = back < 0 ? 0 : proposals.law().logProbability(h[b][0], request.positions()[b][0], back);
        }
        return new ProposalDraws(columns, logProbabilities, reverse);
    }

    /** Splits n·m rows into n blocks of m rows. */
    private static float[][][] blocks(float[][] rows, int n, int m) {
        float[][][] out = new float[n][m][];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows, i * m, out[i], 0, m);
        }
        return out;
    }
}
