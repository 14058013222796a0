package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code lpe generate} and {@code lpe logits} against stories260K's README and transformers' fixture outputs. */
class ModelCommandsTest {

    private static Path fixture(String name) {
        return Path.of("../server/src/test/resources/fixtures", name).toAbsolutePath().normalize();
    }

    @Test
    void generatePrintsTheReadmeContinuation() {
        CliRun run = CliRun.of("generate", "--model", Shared.dir().resolve("models/stories260K").toString(),
                "--prompt", "Once upon a time", "--max-tokens", "40");
        assertEquals(0, run.exit(), run.err());
        assertEquals("Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
                + " One day, she saw a big, red ball.", run.out().strip());
    }

    @Test
    void logitsJsonMatchesTransformers() throws Exception {
        JsonObject reference = new Gson().fromJson(Files.readString(fixture("gpt2").resolve("reference.json")), JsonObject.class);
        JsonObject c = reference.getAsJsonArray("cases").get(0).getAsJsonObject();
        JsonArray ids = c.getAsJsonArray("tokens").get(0).getAsJsonArray();
        JsonArray expected = c.getAsJsonArray("logits").get(0).getAsJsonArray();
        StringBuilder idList = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            idList.append(i == 0 ? "" : ",").append(ids.get(i).getAsInt());
        }
        CliRun run = CliRun.of("logits", "--model", fixture("gpt2").toString(), "--ids", idList.toString(), "--top", "5", "--json");
        assertEquals(0, run.exit(), run.err());
        JsonObject json = new Gson().fromJson(run.lastLine(), JsonObject.class);
        assertEquals(ids, json.getAsJsonArray("ids"));
        JsonArray top = json.getAsJsonArray("top");
        assertEquals(5, top.size());
        double previous = Double.POSITIVE_INFINITY;
        int best = 0;
        for (int v = 1; v < expected.size(); v++) {
            best = expected.get(v).getAsDouble() > expected.get(best).getAsDouble() ? v : best;
        }
        assertEquals(best, top.get(0).getAsJsonObject().get("id").getAsInt());
        for (var e : top) {
            JsonObject row = e.getAsJsonObject();
            int id = row.get("id").getAsInt();
            assertEquals(expected.get(id).getAsDouble(), row.get("logit").getAsDouble(), 1e-4, "logit of " + id);
            assertTrue(row.get("logit").getAsDouble() <= previous, "sorted");
            assertTrue(row.has("token"));
            previous = row.get("logit").getAsDouble();
        }
    }

    @Test
    void logitsOfAPromptNamesTokensAsTokenizerJsonSpellsThem() {
        CliRun run = CliRun.of("logits", "--model", Shared.dir().resolve("models/stories260K").toString(), "--prompt", "Once upon a time", "--top", "1", "--json");
        assertEquals(0, run.exit(), run.err());
        // transformers: the argmax after "<s> Once upon a time" is "," (id 432), logit 17.7994
        JsonObject json = new Gson().fromJson(run.lastLine(), JsonObject.class);
        assertEquals("[1,403,407,261,378]", json.getAsJsonArray("ids").toString());
        JsonObject top = json.getAsJsonArray("top").get(0).getAsJsonObject();
        assertEquals(432, top.get("id").getAsInt());
        assertEquals(",", top.get("token").getAsString());
        assertEquals(17.7994, top.get("logit").getAsDouble(), 1e-4);
    }

    @Test
    void badInputIsOneLineNamingWhatWasWrong() {
        CliRun run = CliRun.of("logits", "--model", fixture("gpt2").toString(), "--ids", "1,64");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("lpe logits: row 0 position 1: token id 64 is outside the vocabulary [0, 64)"), run.err());
        run = CliRun.of("generate", "--model", "/no/such/model/dir", "--prompt", "x");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("lpe generate: model '/no/such/model/dir': no such directory"), run.err());
        run = CliRun.of("logits", "--model", fixture("gpt2").toString());
        assertEquals(2, run.exit(), "picocli usage error: --prompt or --ids is required");
    }
}
