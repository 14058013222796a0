package lpe.estimate;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.engine.Output;
import lpe.engine.ReducedOutputs;

/**
 * docs/methods.md#verification's analytic model: logits = W₂·tanh(W₁·Σ_i (E[x_i] + P_i) + b₁), so that the gradient of a
 * logit with respect to every input embedding is W₁ᵀ((1 − a²) ⊙ W₂[t]) in closed form, and exact probabilities come
 * from enumerating every input. Counts the rows it runs.
 */
class ToyEngine implements Engine {
    static final int VOCABULARY = 30;
    static final int WIDTH = 16;
    static final int LENGTH = 4;
    static final int SUPPORT = 20;

    private final float[][] embedding = new float[VOCABULARY][WIDTH];
    private final float[][] positional = new float[LENGTH][WIDTH];
    private final float[][] w1 = new float[WIDTH][WIDTH];
    private final float[] b1 = new float[WIDTH];
    private final float[][] w2 = new float[VOCABULARY][WIDTH];
    long rows;

    ToyEngine(long seed, double scale) {
        Random r = new Random(seed);
        fill(embedding, r, 1.0);
        fill(positional, r, 0.5);
        fill(w1, r, 1.0 / Math.sqrt(WIDTH));
        for (int h = 0; h < WIDTH; h++) {
            b1[h] = (float) (0.3 * r.nextGaussian());
        }
        fill(w2, r, scale);
    }

    private static void fill(float[][] m, Random r, double scale) {
        for (float[] row : m) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (scale * r.nextGaussian());
            }
        }
    }

    /** L = 4 positions, each 20 of the 30 tokens with Dirichlet(0.7) probabilities. */
    static InputDistribution distribution(long seed) {
        Random r = new Random(seed);
        List<Position> positions = new ArrayList<>();
        for (int i = 0; i < LENGTH; i++) {
            List<Integer> tokens = new ArrayList<>();
            for (int v = 0; v < VOCABULARY; v++) {
                tokens.add(v);
            }
            java.util.Collections.shuffle(tokens, r);
            int[] ids = tokens.subList(0, SUPPORT).stream().mapToInt(Integer::intValue).toArray();
            double[] weights = new double[SUPPORT];
            for (int k = 0; k < SUPPORT; k++) {
                weights[k] = gamma(0.7, r);
            }
            positions.add(new Position(ids, weights));
        }
        return new InputDistribution("toy", positions);
    }

    /** Gamma(shape < 1) by Marsaglia–Tsang with the boost Gamma(a) = Gamma(a + 1)·U^{1/a}. */
    private static double gamma(double shape, Random r) {
        double d = shape + 1 - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = r.nextGaussian();
            double v = Math.pow(1 + c * x, 3);
            if (v > 0 && Math.log(r.nextDouble()) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v * Math.pow(r.nextDouble(), 1 / shape);
            }
        }
    }

    double[] hidden(int[] x) {
        double[] h = new double[WIDTH];
        for (int i = 0; i < x.length; i++) {
            for (int e = 0; e < WIDTH; e++) {
                h[e] += embedding[x[i]][e] + positional[i][e];
            }
        }
        double[] a = new double[WIDTH];
        for (int o = 0; o < WIDTH; o++) {
            double z = b1[o];
            for (int e = 0; e < WIDTH; e++) {
                z += w1[o][e] * h[e];
            }
            a[o] = Math.tanh(z);
        }
        return a;
    }

    float[] logits(double[] a) {
        float[] logits = new float[VOCABULARY];
        for (int v = 0; v < VOCABULARY; v++) {
            double s = 0;
            for (int o = 0; o < WIDTH; o++) {
                s += w2[v][o] * a[o];
            }
            logits[v] = (float) s;
        }
        return logits;
    }

    /** Exact E_x[value] for every target at once, enumerating all 20^4 inputs. */
    double[] exact(InputDistribution d, Behavior behavior) {
        double[] p = new double[VOCABULARY];
        int[] digits = new int[LENGTH];
        int[] x = new int[LENGTH];
        for (int input = 0; input < Math.pow(SUPPORT, LENGTH); input++) {
            double weight = 1;
            for (int i = 0; i < LENGTH; i++) {
                x[i] = d.position(i).id(digits[i]);
                weight *= d.position(i).probability(digits[i]);
            }
            float[] logits = logits(hidden(x));
            for (int t = 0; t < VOCABULARY; t++) {
                p[t] += weight * behavior.value(logits, t);
            }
            for (int i = LENGTH - 1; i >= 0 && ++digits[i] == SUPPORT; i--) {
                digits[i] = 0;
            }
        }
        return p;
    }

    @Override
    public ModelShape shape() {
        return new ModelShape(VOCABULARY, WIDTH, LENGTH);
    }

    @Override
    public EngineResult run(EngineRequest request) {
        if (ReducedOutputs.asked(request)) {
            return ReducedOutputs.run(request, this::run, this);
        }
        int n = request.rows();
        rows += n;
        float[][] logits = new float[n][];
        float[][] activations = new float[n][];
        float[][][] gradients = request.outputs().contains(Output.EMBEDDING_GRADIENTS) ? new float[n][][] : null;
        for (int b = 0; b < n; b++) {
            double[] a = hidden(request.tokens()[b]);
            logits[b] = logits(a);
            activations[b] = new float[WIDTH];
            for (int o = 0; o < WIDTH; o++) {
                activations[b][o] = (float) a[o];
            }
            if (gradients != null) {
                float[] g = new float[WIDTH];
                int t = request.targets()[b];
                for (int e = 0; e < WIDTH; e++) {
                    double s = 0;
                    for (int o = 0; o < WIDTH; o++) {
                        s += w1[o][e] * (1 - a[o] * a[o]) * w2[t][o];
                    }
                    g[e] = (float) s;
                }
                gradients[b] = new float[request.length()][];
                for (int i = 0; i < request.length(); i++) {
                    gradients[b][i] = g.clone();
                }
            }
        }
        return new EngineResult(
                request.outputs().contains(Output.LOGITS) ? logits : null,
                request.outputs().contains(Output.ACTIVATIONS) ? activations : null,
                gradients);
    }

    @Override
    public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
        float[][] out = new float[vectors.length][ids.length];
        for (int n = 0; n < vectors.length; n++) {
            for (int k = 0; k < ids.length; k++) {
                double s = 0;
                for (int e = 0; e < WIDTH; e++) {
                    s += vectors[n][e] * embedding[ids[k]][e];
                }
                out[n][k] = (float) s;
            }
        }
        return out;
    }

    @Override
    public float[][] unembedding() {
        return w2;
    }
}
