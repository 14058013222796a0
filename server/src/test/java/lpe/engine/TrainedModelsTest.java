package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lpe.model.Architecture;
import lpe.model.HfVocabulary;
import lpe.model.Model;
import lpe.model.ModelConfig;
import lpe.model.ModelReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models under models/ (trained by tools/train): each loads as its card describes, its tokenizer round-trips
 * and agrees with Python's tokenizers, and lpe's engine reproduces the held-out loss that PyTorch wrote into
 * heldout_sample.json and the card.
 */
class TrainedModelsTest {

    private static final Logger log = LoggerFactory.getLogger(TrainedModelsTest.class);

    private static final String[] ROUND_TRIP = {
        "def add(a, b):\n    return a + b  # 12345\n",
        "The quick brown fox jumps over the lazy dog.",
        "Unicode: naïve café, 日本語, emoji 🙂\ttab\r\n",
        "    x = np.zeros((3, 4), dtype=np.float32)\n\n\n",
    };

    /** Python tokenizers 0.23.2, Tokenizer.from_file(".../tokenizer.json").encode(text, add_special_tokens=False).ids. */
    private static final int[] PYTHON_IDS_CODE = {318, 1365, 8, 65, 12, 311, 330, 271, 360, 278, 452, 311, 221, 327, 221,
        17, 18, 19, 20, 21, 199};
    private static final int[] PYTHON_IDS_PROSE = {2122, 1453, 1603, 311, 858, 78, 284, 2466, 840, 4989, 83, 1206, 310,
        624, 2932, 740, 71, 14};

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void loadsAsTheCardDescribes(int layers) {
        Model model = new ModelReader().read(modelDir(layers));
        ModelConfig c = model.config();
        assertEquals(Architecture.GPT2, c.architecture());
        assertEquals(layers, c.layers());
        assertEquals(8192, c.vocabularySize());
        assertEquals(256, c.hiddenSize());
        assertEquals(4, c.heads());
        assertEquals(64, c.headDim());
        assertEquals(1024, c.intermediateSize());
        assertEquals(256, c.contextLength());
        assertEquals("gelu", c.activation());
        assertEquals(OptionalInt.of(0), c.bosTokenId());
        assertNotSame(model.embeddingMatrix(), model.unembeddingMatrix(), "the unembedding must be untied");
        long parameters = model.weights().values().stream().mapToLong(t -> t.data().length).sum();
        assertEquals(2L * 8192 * 256 + 256 * 256 + 2 * 256 + layers * 789_760L, parameters);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void tokenizerRoundTripsAndAgreesWithPython(int layers) {
        HfVocabulary v = (HfVocabulary) new ModelReader().read(modelDir(layers)).vocabulary();
        for (String text : ROUND_TRIP) {
            assertEquals(text, v.decode(v.encode(text)), "round trip of " + text);
        }
        assertArrayEquals(PYTHON_IDS_CODE, v.encode(ROUND_TRIP[0]));
        assertArrayEquals(PYTHON_IDS_PROSE, v.encode(ROUND_TRIP[1]));
        assertEquals(10, v.encode("9876543210").length, "digits are split one per token");
        assertEquals(0, v.encodePrompt("x")[0], "a prompt starts with <|bos|>");
        assertEquals(OptionalInt.of(0), v.bos());
    }

    /**
     * heldout_sample.json: PyTorch's float32 loss of predicting tokens[r][t] from tokens[r][0:t] at the listed
     * positions (the engine gives last-position logits, so each position is one batch of prefixes).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void engineReproducesTheHeldOutLossOfTheCard(int layers) throws IOException {
        Path dir = modelDir(layers);
        JsonObject sample = JsonParser.parseString(Files.readString(dir.resolve("heldout_sample.json"))).getAsJsonObject();
        int[][] tokens = ints2(sample.getAsJsonArray("tokens"));
        JsonArray positions = sample.getAsJsonArray("positions");
        JsonArray pytorchLosses = sample.getAsJsonArray("loss_per_position");
        double total = 0;
        double worst = 0;
        int count = 0;
        try (DjlEngine engine = new DjlEngine(new ModelReader().read(dir))) {
            for (int p = 0; p < positions.size(); p++) {
                int t = positions.get(p).getAsInt();
                int[][] prefixes = new int[tokens.length][];
                for (int r = 0; r < tokens.length; r++) {
                    prefixes[r] = Arrays.copyOf(tokens[r], t);
                }
                float[][] logits = engine.run(new EngineRequest(prefixes, EnumSet.of(Output.LOGITS), null)).logits();
                for (int r = 0; r < tokens.length; r++) {
                    double loss = -logSoftmax(logits[r], tokens[r][t]);
                    double expected = pytorchLosses.get(r).getAsJsonArray().get(p).getAsDouble();
                    worst = Math.max(worst, Math.abs(loss - expected));
                    total += loss;
                    count++;
                }
            }
        }
        double lpeLoss = total / count;
        double pytorchLoss = sample.get("loss").getAsDouble();
        log.info("{}: lpe held-out loss {} vs PyTorch {}; largest difference at one position {}", dir.getFileName(),
                lpeLoss, pytorchLoss, worst);
        assertTrue(worst < 2e-3, "a position's loss differs from PyTorch's by " + worst);
        assertEquals(pytorchLoss, lpeLoss, 0.01 * pytorchLoss, "lpe vs PyTorch held-out loss");
        assertEquals(pytorchLoss, cardLoss(dir), 5e-5, "heldout_sample.json vs README.md");
    }

    private static double cardLoss(Path dir) throws IOException {
        Matcher m = Pattern.compile("Fixed held-out sample .*loss \\*\\*([0-9.]+)\\*\\*")
                .matcher(Files.readString(dir.resolve("README.md")));
        assertTrue(m.find(), dir + "/README.md states no fixed-sample loss");
        return Double.parseDouble(m.group(1));
    }

    private static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[target] - max - Math.log(sum);
    }

    private static int[][] ints2(JsonArray rows) {
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonArray row = rows.get(r).getAsJsonArray();
            out[r] = new int[row.size()];
            for (int i = 0; i < out[r].length; i++) {
                out[r][i] = row.get(i).getAsInt();
            }
        }
        return out;
    }

    /** models/gelu-{layers}l of this repository, found by walking up from the working directory. */
    static Path modelDir(int layers) {
        String name = "models/gelu-" + layers + "l";
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(name).resolve("config.json"))) {
                return dir.resolve(name);
            }
        }
        throw new IllegalStateException("cannot find " + name + " above " + Path.of("").toAbsolutePath());
    }
}
