package lpe.engine;

import static lpe.engine.DjlEngineFixtureTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native engine (CPU) against transformers and against DjlEngine on every fixture of the model runtime
 * (tools/fixtures) and on stories260K, to DjlEngineFixtureTest's 1e-4. Models come from lpe.model's loader. DJL runs
 * in a child JVM ({@link DjlOutputs}): its libtorch and the native engine's cannot share one process.
 */
class NativeVsDjlTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "llama_untied_bias", "llama_f16", "llama_bf16", "llama_sharded", "gpt2",
        "gpt_neox", "gpt_neox_sequential", "stories260K"})
    void nativeMatchesTransformersAndDjl(String fixture, @TempDir Path dir) throws Exception {
        Path folder = fixture.equals("stories260K") ? TestModels.stories260K() : TestModels.fixture(fixture);
        Model model = new ModelReader().read(folder);
        int v = model.config().vocabularySize();
        int d = model.config().hiddenSize();
        try (NativeEngine engine = NativeEngine.open(HfCheckpoint.library(), model, "cpu", NativePrecision.FP32)) {
            if (!fixture.equals("stories260K")) {
                for (FixtureReference.Case c : FixtureReference.read(model.directory()).cases()) {
                    String where = fixture + " " + c.tokens().length + "x" + c.tokens()[0].length;
                    EngineResult n = engine.run(new EngineRequest(c.tokens(), NativeEngineReferenceTest.WHOLE, c.targets()));
                    assertClose(c.logits(), n.logits(), where + " logits vs transformers");
                    assertClose(c.activations(), n.activations(), where + " activations vs transformers");
                    for (int b = 0; b < c.tokens().length; b++) {
                        assertClose(c.gradients()[b], n.embeddingGradients()[b], where + " gradients vs transformers, row " + b);
                    }
                }
            }
            EngineRequest request = DjlOutputs.request(v);
            EngineResult n = engine.run(request);
            float[][] projected = engine.projectOntoEmbeddings(n.activations(), DjlOutputs.projectedIds(v));
            float[][] unembedding = engine.unembedding();
            try (DataInputStream djl = new DataInputStream(Files.newInputStream(djlOutputs(folder, dir.resolve("djl.bin"))))) {
                assertClose(read(djl, request.rows(), v), n.logits(), fixture + " logits vs DJL");
                assertClose(read(djl, request.rows(), d), n.activations(), fixture + " activations vs DJL");
                for (int r = 0; r < request.rows(); r++) {
                    assertClose(read(djl, request.length(), d), n.embeddingGradients()[r], fixture + " gradients vs DJL, row " + r);
                }
                assertClose(read(djl, request.rows(), projected[0].length), projected, fixture + " projections vs DJL");
                float[][] djlUnembedding = read(djl, v, d);
                for (int row = 0; row < v; row++) {
                    assertArrayEquals(djlUnembedding[row], unembedding[row], fixture + " unembedding row " + row);
                }
                assertEquals(-1, djl.read(), "DJL wrote exactly what was read");
            }
        }
    }

    /** Runs DjlOutputs in a child JVM with this JVM's class path. */
    static Path djlOutputs(Path modelFolder, Path out) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), DjlOutputs.class.getName(), modelFolder.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "DjlOutputs failed:\n" + log);
        return out;
    }

    static float[][] read(DataInputStream in, int rows, int columns) throws IOException {
        float[][] m = new float[rows][columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                m[r][c] = in.readFloat();
            }
        }
        return m;
    }
}
