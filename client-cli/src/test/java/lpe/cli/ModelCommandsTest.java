package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lpe.engine.NativeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lpe generate} and {@code lpe logits} on the DJL engine against stories260K's README and transformers' fixture
 * outputs; {@link NativeModelCommandsTest} runs the same checks on the native engine.
 */
class ModelCommandsTest {

    /** stories260K's README, "Greedy generation": 40 greedy tokens after "Once upon a time" (transformers). */
    static final String STORIES_GREEDY = "Once upon a time, there was a little girl named Lily. She loved to play outside"
            + " in the park. One day, she saw a big, red ball.";

    static Path fixture(String name) {
        return Path.of("../server/src/test/resources/fixtures", name).toAbsolutePath().normalize();
    }

    /** {@code args} followed by {@code engineArgs}. */
    static String[] with(String[] engineArgs, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(engineArgs));
        return all.toArray(String[]::new);
    }

    static void assertGeneratesTheReadmeContinuation(String... engineArgs) {
        CliRun run = CliRun.of(with(engineArgs, "generate", "--model", Shared.stories260K().toString(),
                "--prompt", "Once upon a time", "--max-tokens", "40"));
        assertEquals(0, run.exit(), run.err());
        assertEquals(STORIES_GREEDY, run.out().strip());
    }

    /** Every logit of the fixture's first reference row (--top V, sorted) equals transformers' to 1e-4. */
    static void assertLogitsMatchTransformers(String fixtureName, String... engineArgs) throws Exception {
        JsonObject reference = new Gson().fromJson(Files.readString(fixture(fixtureName).resolve("reference.json")), JsonObject.class);
        JsonObject c = reference.getAsJsonArray("cases").get(0).getAsJsonObject();
        JsonArray ids = c.getAsJsonArray("tokens").get(0).getAsJsonArray();
        JsonArray expected = c.getAsJsonArray("logits").get(0).getAsJsonArray();
        StringBuilder idList = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            idList.append(i == 0 ? "" : ",").append(ids.get(i).getAsInt());
        }
        CliRun run = CliRun.of(with(engineArgs, "logits", "--model", fixture(fixtureName).toString(), "--ids", idList.toString(),
                "--top", "" + expected.size(), "--json"));
        assertEquals(0, run.exit(), run.err());
        JsonObject json = run.json();
        assertEquals(ids, json.getAsJsonArray("ids"));
        JsonArray top = json.getAsJsonArray("top");
        assertEquals(expected.size(), top.size(), "--top V prints every logit");
        double previous = Double.POSITIVE_INFINITY;
        boolean[] seen = new boolean[expected.size()];
        for (var e : top) {
            JsonObject row = e.getAsJsonObject();
            int id = row.get("id").getAsInt();
            seen[id] = true;
            assertEquals(expected.get(id).getAsDouble(), row.get("logit").getAsDouble(), 1e-4, fixtureName + " logit of " + id);
            assertTrue(row.get("logit").getAsDouble() <= previous, "sorted");
            assertTrue(row.has("token"));
            previous = row.get("logit").getAsDouble();
        }
        for (int id = 0; id < seen.length; id++) {
            assertTrue(seen[id], "id " + id + " printed");
        }
    }

    static void assertStoriesLogitsNameTokensAsTokenizerJsonSpellsThem(String... engineArgs) {
        CliRun run = CliRun.of(with(engineArgs, "logits", "--model", Shared.stories260K().toString(),
                "--prompt", "Once upon a time", "--top", "1", "--json"));
        assertEquals(0, run.exit(), run.err());
        // transformers: the argmax after "<s> Once upon a time" is "," (id 432), logit 17.7994
        JsonObject json = run.json();
        assertEquals("[1,403,407,261,378]", json.getAsJsonArray("ids").toString());
        JsonObject top = json.getAsJsonArray("top").get(0).getAsJsonObject();
        assertEquals(432, top.get("id").getAsInt());
        assertEquals(",", top.get("token").getAsString());
        assertEquals(17.7994, top.get("logit").getAsDouble(), 1e-4);
    }

    /** An id outside the vocabulary is named by position, the same on either engine. */
    static void assertBadIdIsOneLine(String... engineArgs) {
        CliRun run = CliRun.of(with(engineArgs, "logits", "--model", fixture("gpt2").toString(), "--ids", "1,64"));
        assertEquals(1, run.exit());
        assertEquals("lpe logits: --ids position 1: token id 64 is outside the vocabulary [0, 64)", run.oneLineError());
    }

    @Test
    void generatePrintsTheReadmeContinuation() {
        assertGeneratesTheReadmeContinuation();
    }

    @Test
    void logitsJsonMatchesTransformers() throws Exception {
        assertLogitsMatchTransformers("gpt2", "--engine", "djl");
    }

    @Test
    void logitsOfAPromptNamesTokensAsTokenizerJsonSpellsThem() {
        assertStoriesLogitsNameTokensAsTokenizerJsonSpellsThem();
    }

    @Test
    void badInputIsOneLineNamingWhatWasWrong() {
        assertBadIdIsOneLine();
        CliRun run = CliRun.of("generate", "--model", "/no/such/model/dir", "--prompt", "x");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("lpe generate: model '/no/such/model/dir': no such directory"), run.err());
        run = CliRun.of("logits", "--model", fixture("gpt2").toString());
        assertEquals(2, run.exit(), "picocli usage error: --prompt or --ids is required");
    }

    @Test
    void djlOnCudaIsRefusedInOneLine() {
        CliRun run = CliRun.of("generate", "--model", Shared.stories260K().toString(), "--prompt", "x", "--device", "cuda");
        assertEquals(1, run.exit());
        assertEquals("lpe generate: --engine djl runs on --device cpu in fp32 only; use --engine native for --device cuda"
                + " --precision fp32", run.oneLineError());
    }

    /** Runs in DJL's JVM on purpose: a library that is not there is never loaded, so it cannot clash with DJL's. */
    @Test
    void nativeEngineWithoutItsLibraryNamesTheFix(@TempDir Path dir) {
        Path missing = dir.resolve("liblpe_native.so");
        String before = System.setProperty(NativeLibrary.PROPERTY, missing.toString());
        try {
            CliRun run = CliRun.of("logits", "--model", fixture("gpt2").toString(), "--ids", "1", "--engine", "native");
            assertEquals(1, run.exit());
            String error = run.oneLineError();
            assertTrue(error.startsWith("lpe logits: native engine library not found at " + missing), error);
            assertTrue(error.contains("build it with native/build.sh"), error);
        } finally {
            if (before == null) {
                System.clearProperty(NativeLibrary.PROPERTY);
            } else {
                System.setProperty(NativeLibrary.PROPERTY, before);
            }
        }
    }
}
