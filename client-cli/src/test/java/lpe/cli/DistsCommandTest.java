package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lpe dists} on stories260K: sizes checked against counts read by hand from its tokenizer.json. */
class DistsCommandTest {

    @Test
    void jsonListsEveryPresetWithSizesOrTheRefusal() {
        CliRun r = CliRun.of("dists", "--model", Shared.stories260K().toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        JsonObject root = JsonParser.parseString(lines.getLast()).getAsJsonObject();
        assertEquals(512, root.get("vocab_size").getAsInt());
        assertTrue(root.get("corpus").isJsonNull());
        JsonArray presets = root.getAsJsonArray("presets");
        assertEquals(8, presets.size());
        JsonObject hex = presets.get(0).getAsJsonObject();
        assertEquals("hex", hex.get("name").getAsString());
        assertEquals(33, hex.get("length").getAsInt());
        JsonArray varying = hex.getAsJsonArray("varying_positions");
        assertEquals(32, varying.size());
        for (int i = 0; i < 32; i++) {
            assertEquals(i + 1, varying.get(i).getAsJsonObject().get("index").getAsInt());
            // 19 tokens of tokenizer.json are made of 0-9a-f only (ed ce ad, a-f, 0-9)
            assertEquals(19, varying.get(i).getAsJsonObject().get("support_size").getAsInt());
        }
        assertEquals(32 * Math.log10(19), hex.get("log10_inputs").getAsDouble(), 1e-9);
        JsonObject camel = presets.get(1).getAsJsonObject();
        assertEquals("token set CAMEL is empty for this vocabulary", camel.get("refused").getAsString());
        JsonObject english = presets.get(5).getAsJsonObject();
        // START: 116 tokens; MID: 89 "▁"+letters/punctuation tokens + , . ! ? ;
        assertEquals(Math.log10(116) + 24 * Math.log10(94), english.get("log10_inputs").getAsDouble(), 1e-9);
    }

    @Test
    void tableHasOneRowPerPreset() {
        CliRun r = CliRun.of("dists", "--model", Shared.stories260K().toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(9, lines.size(), r.out());
        assertTrue(lines.get(1).matches("hex +33 +32×19 +40\\.92"), lines.get(1));
        assertTrue(lines.get(4).equals("if       refused: \" if\" is not a single token"), lines.get(4));
        assertTrue(lines.get(6).matches("english +26 +1×116 \\+ 24×94 +49\\.42"), lines.get(6));
    }

    @Test
    void badModelDirectoryAndCorpusAreOneLineErrors(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("dists", "--model", dir.resolve("nope").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("lpe dists: " + dir.resolve("nope") + ": not a directory"), r.err());
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        r = CliRun.of("dists", "--model", Shared.stories260K().toString(), "--corpus", empty.toString());
        assertEquals(1, r.exit());
        assertEquals("lpe dists: corpus: '" + empty + "' contains no text", r.err().strip());
    }

    @Test
    void corpusWeightsChangeTheSupports(@TempDir Path dir) throws Exception {
        Path corpus = dir.resolve("story.txt");
        Files.writeString(corpus, "Once upon a time, there was a little girl named Lily.");
        CliRun r = CliRun.of("dists", "--model", Shared.stories260K().toString(), "--corpus", corpus.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonObject root = JsonParser.parseString(r.out().lines().toList().getLast()).getAsJsonObject();
        assertEquals(corpus.toString(), root.get("corpus").getAsString());
        JsonObject hex = root.getAsJsonArray("presets").get(0).getAsJsonObject();
        assertEquals(19, hex.getAsJsonArray("varying_positions").get(0).getAsJsonObject().get("support_size").getAsInt(),
                "hex ignores the corpus");
        JsonObject spanish = root.getAsJsonArray("presets").get(6).getAsJsonObject();
        assertTrue(spanish.has("length"), spanish.toString());
        int spanishSupport = spanish.getAsJsonArray("varying_positions").get(0).getAsJsonObject()
                .get("support_size").getAsInt();
        assertTrue(spanishSupport > 0 && spanishSupport < 15, "only the sentence's letter/space tokens: " + spanish);
    }
}
