package lpe.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import lpe.dist.InputDistribution;
import lpe.engine.Argmax;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.engine.NativeEngine;
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.engine.Output;
import lpe.model.Model;
import lpe.model.ModelLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development suite's exact answers, checked by enumeration: the native engine (CPU) reproduces the mini entry's
 * committed file, DjlEngine (in a child JVM) agrees with it on the whole mini entry and on a random sample of inputs
 * of every entry, and naive sampling's Wilson intervals cover an exact p as often as a 95% interval should.
 */
class NativeDevSuiteTest {
    private static final Logger log = LoggerFactory.getLogger(NativeDevSuiteTest.class);
    private static final String MINI = "gelu-1l-code-mini";
    /** Inputs per entry whose logits the two engines compare besides the whole mini entry. */
    private static final int SAMPLED = 64;

    private static NativeLibrary library;
    private static DevSuite.Entry mini;
    private static InputDistribution miniDistribution;
    private static ArgmaxEnumeration miniEnumeration;

    @BeforeAll
    static void enumerateTheMiniEntry() {
        library = nativeLibrary();
        mini = DevSuite.entry(MINI);
        Model model = new ModelLoader().load(mini.modelDirectory(DevSuiteTest.repositoryRoot()));
        miniDistribution = mini.distribution(model.vocabulary());
        try (NativeEngine engine = NativeEngine.open(library, model, "cpu", NativePrecision.FP32)) {
            miniEnumeration = ArgmaxEnumeration.run(miniDistribution, engine, DevSuiteGenerator.TIE_GAP, true, done -> {});
        }
    }

    @Test
    void theMiniEntryEnumeratesToItsCommittedExactFile() {
        DevSuite.Exact exact = mini.exact();
        assertEquals(exact.inputs(), miniEnumeration.inputs);
        for (int v = 0; v < miniEnumeration.p.length; v++) {
            int id = v;
            double committed = exact.p(v);
            double tie = Math.max(miniEnumeration.nearTieMass[v], exact.targets().stream()
                    .filter(t -> t.id() == id).mapToDouble(DevSuite.Target::nearTieMass).findFirst().orElse(0));
            assertTrue(Math.abs(miniEnumeration.p[v] - committed) <= tie + 1e-12 * committed,
                    "token " + v + ": enumerated " + miniEnumeration.p[v] + ", committed " + committed
                            + " (near-tie mass " + tie + ")");
        }
    }

    /**
     * 200 seeds of naive sampling at 2^14 on the mini entry's target nearest 1e-3, its inputs answered from the
     * enumeration: the mean is within 4 standard errors of the exact p, and the count of Wilson intervals that cover
     * it, Binomial(200, 0.95) for a true 95% interval (mean 190, s.d. 3.1), lies in [180, 198]: a 95% interval fails
     * this with probability about 4e-4, one of true coverage 88% or 99.5% with probability above 0.7.
     */
    @Test
    void naiveWilsonIntervalsCoverTheExactProbabilityAsOftenAsTheyShould() {
        DevSuite.Target target = mini.exact().pick(5e-4, 2e-3, 20, 0).stream()
                .min((a, b) -> Double.compare(Math.abs(Math.log(a.p() / 1e-3)), Math.abs(Math.log(b.p() / 1e-3))))
                .orElseThrow();
        Engine table = new ArgmaxTable(miniDistribution, miniEnumeration.argmax, miniEnumeration.p.length);
        int seeds = 200;
        int budget = 1 << 14;
        int covered = 0;
        double sum = 0;
        for (int seed = 0; seed < seeds; seed++) {
            Estimate e = new NaiveSampling().run(new EstimationProblem(miniDistribution, target.id(),
                    new Behavior.Argmax(), budget, Double.NaN, 7000 + seed), table, ProgressListener.NONE);
            covered += e.ci95Low() <= target.p() && target.p() <= e.ci95High() ? 1 : 0;
            sum += e.estimate();
        }
        double mean = sum / seeds;
        double se = Math.sqrt(target.p() * (1 - target.p()) / budget / seeds);
        log.info("naive on {} token {} (p = {}): {} of {} Wilson intervals cover, mean {} ({} SE)", MINI, target.id(),
                target.p(), covered, seeds, mean, (mean - target.p()) / se);
        assertTrue(Math.abs(mean - target.p()) < 4 * se, "mean " + mean + " vs exact " + target.p() + " (SE " + se + ")");
        assertTrue(covered >= 180 && covered <= 198, covered + " of " + seeds + " intervals covered " + target.p());
    }

    /**
     * DjlEngine's logits against the native engine's on the whole mini entry and on 64 seeded inputs of every entry:
     * they differ by at most 1e-4 (DjlEngineFixtureTest's tolerance), the argmax differs only where DJL's own logits
     * of the two tokens lie within twice the largest difference seen, and over the mini entry the two engines' exact
     * p of every token differ by no more than the mass of the inputs whose native top-two gap is below that.
     */
    @Test
    void djlAgreesWithTheNativeEngineWhereNoTieIsNear(@TempDir Path dir) throws Exception {
        Map<DevSuite.Entry, int[][]> rowsByEntry = new LinkedHashMap<>();
        Map<String, Model> models = new HashMap<>();
        for (DevSuite.Entry entry : DevSuite.entries()) {
            Model model = models.computeIfAbsent(entry.model(),
                    m -> new ModelLoader().load(entry.modelDirectory(DevSuiteTest.repositoryRoot())));
            InputDistribution d = entry.distribution(model.vocabulary());
            SplittableRandom random = new SplittableRandom(entry.name().hashCode());
            long[] indices = entry.equals(mini) ? java.util.stream.LongStream.range(0, d.supportSize()).toArray()
                    : random.longs(SAMPLED, 0, d.supportSize()).toArray();
            rowsByEntry.put(entry, Arrays.stream(indices).mapToObj(i -> ArgmaxEnumeration.input(d, i)).toArray(int[][]::new));
        }
        List<String> args = new ArrayList<>();
        Map<DevSuite.Entry, float[][]> nativeLogits = new HashMap<>();
        for (Map.Entry<DevSuite.Entry, int[][]> e : rowsByEntry.entrySet()) {
            String name = e.getKey().name();
            int[][] rows = e.getValue();
            DjlLogits.writeRows(dir.resolve(name + ".rows"), rows);
            args.addAll(List.of(e.getKey().modelDirectory(DevSuiteTest.repositoryRoot()).toString(),
                    dir.resolve(name + ".rows").toString(), dir.resolve(name + ".logits").toString()));
            try (NativeEngine engine = NativeEngine.open(library, models.get(e.getKey().model()), "cpu", NativePrecision.FP32)) {
                float[][] logits = new float[rows.length][];
                for (int from = 0; from < rows.length; from += ArgmaxEnumeration.BATCH) {
                    int[][] batch = Arrays.copyOfRange(rows, from, Math.min(rows.length, from + ArgmaxEnumeration.BATCH));
                    float[][] out = engine.run(new EngineRequest(batch, EnumSet.of(Output.LOGITS), null)).logits();
                    System.arraycopy(out, 0, logits, from, out.length);
                }
                nativeLogits.put(e.getKey(), logits);
            }
        }
        runDjl(args);
        double maxDifference = 0;
        Map<DevSuite.Entry, float[][]> djlLogits = new HashMap<>();
        for (DevSuite.Entry entry : rowsByEntry.keySet()) {
            float[][] n = nativeLogits.get(entry);
            float[][] d = DjlLogits.readLogits(dir.resolve(entry.name() + ".logits"), n.length, n[0].length);
            djlLogits.put(entry, d);
            for (int r = 0; r < n.length; r++) {
                for (int v = 0; v < n[r].length; v++) {
                    maxDifference = Math.max(maxDifference, Math.abs(n[r][v] - d[r][v]));
                }
            }
        }
        assertTrue(maxDifference <= 1e-4, "largest logit difference " + maxDifference);
        double tie = 2 * maxDifference;
        int flips = 0;
        int rowsCompared = 0;
        for (DevSuite.Entry entry : rowsByEntry.keySet()) {
            float[][] n = nativeLogits.get(entry);
            float[][] d = djlLogits.get(entry);
            for (int r = 0; r < n.length; r++) {
                int a = Argmax.of(n[r]);
                int b = Argmax.of(d[r]);
                rowsCompared++;
                if (a != b) {
                    flips++;
                    assertTrue(d[r][b] - d[r][a] <= tie, entry.name() + " row " + r + ": native argmax " + a + ", DJL "
                            + b + ", DJL's logits " + d[r][b] + " and " + d[r][a] + " are not within " + tie);
                }
            }
        }
        float[][] miniDjl = djlLogits.get(mini);
        double[] pDjl = new double[miniEnumeration.p.length];
        double[] nearTie = new double[miniEnumeration.p.length];
        long nearTieInputs = 0;
        for (int i = 0; i < miniEnumeration.inputs; i++) {
            double q = ArgmaxEnumeration.probability(miniDistribution, i);
            pDjl[Argmax.of(miniDjl[i])] += q;
            if (miniEnumeration.gap[i] < tie) {
                nearTieInputs++;
                nearTie[miniEnumeration.argmax[i]] += q;
                nearTie[Argmax.of(miniDjl[i])] += q;
            }
        }
        for (int v = 0; v < pDjl.length; v++) {
            assertTrue(Math.abs(pDjl[v] - miniEnumeration.p[v]) <= nearTie[v] + 1e-12 * miniEnumeration.p[v],
                    "token " + v + ": DJL's exact p " + pDjl[v] + ", native's " + miniEnumeration.p[v]);
        }
        log.info("DJL vs native: {} rows, largest logit difference {}, {} argmax flips; {} of {} mini-entry inputs"
                + " have a native top-two gap below {}", rowsCompared, maxDifference, flips, nearTieInputs,
                miniEnumeration.inputs, tie);
    }

    private static void runDjl(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DjlLogits.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "DjlLogits failed:\n" + output);
    }

    static NativeLibrary nativeLibrary() {
        if (System.getProperty(NativeLibrary.PROPERTY) != null || System.getenv(NativeLibrary.ENV) != null) {
            return NativeLibrary.load();
        }
        Path built = DevSuiteTest.repositoryRoot().resolve(NativeLibrary.BUILD_PATH);
        if (!Files.isRegularFile(built)) {
            throw new IllegalStateException("the native engine library is not built: run native/build.sh or set $"
                    + NativeLibrary.ENV);
        }
        return NativeLibrary.load(built);
    }

    /**
     * Test engine: answers LOGITS for the inputs of one enumerated distribution from their argmax alone (a row that is
     * 1 at the argmax and 0 elsewhere), so that argmax estimators run on the model's exact outputs without it.
     */
    private static final class ArgmaxTable implements Engine {
        private final InputDistribution d;
        private final int[] argmax;
        /** indexOf[i][id]: the support index of token id at position i. */
        private final int[][] indexOf;
        private final float[][] oneHot;

        ArgmaxTable(InputDistribution d, int[] argmax, int vocabulary) {
            this.d = d;
            this.argmax = argmax;
            this.oneHot = new float[vocabulary][];
            this.indexOf = new int[d.length()][vocabulary];
            for (int i = 0; i < d.length(); i++) {
                for (int k = 0; k < d.position(i).size(); k++) {
                    indexOf[i][d.position(i).id(k)] = k;
                }
            }
        }

        @Override
        public ModelShape shape() {
            return new ModelShape(oneHot.length, 1, d.length());
        }

        @Override
        public EngineResult run(EngineRequest request) {
            if (!request.outputs().equals(EnumSet.of(Output.LOGITS))) {
                throw new IllegalArgumentException("the argmax table answers LOGITS only, not " + request.outputs());
            }
            float[][] logits = new float[request.rows()][];
            for (int b = 0; b < logits.length; b++) {
                long index = 0;
                for (int i = 0; i < d.length(); i++) {
                    index = index * d.position(i).size() + indexOf[i][request.tokens()[b][i]];
                }
                int top = argmax[(int) index];
                if (oneHot[top] == null) {
                    oneHot[top] = new float[oneHot.length];
                    oneHot[top][top] = 1;
                }
                logits[b] = oneHot[top];
            }
            return new EngineResult(logits, null, null);
        }

        @Override
        public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
            throw new UnsupportedOperationException("the argmax table has no embeddings");
        }

        @Override
        public float[][] unembedding() {
            throw new UnsupportedOperationException("the argmax table has no unembedding");
        }
    }
}
