package lpe.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** the JSON distribution spec (docs/methods.md#json-distribution-spec) on the test vocabulary: what it builds, and every bad input with its message. */
class SpecParserTest {
    private static final TestVocabulary VOCAB = TestVocabulary.presets();
    private static final double EPS = 1e-12;

    private static InputDistribution parse(String json) {
        return Distributions.resolve(json, VOCAB, Optional.empty());
    }

    private static InvalidDistributionException refused(String json) {
        return assertThrows(InvalidDistributionException.class, () -> parse(json));
    }

    private static void assertRefused(String json, String field, String message) {
        InvalidDistributionException e = refused(json);
        assertEquals(field, e.field(), "field of: " + e.getMessage());
        assertEquals(field + ": " + message, e.getMessage());
    }

    @Test
    void designExampleBuildsEveryKindOfPosition() {
        InputDistribution d = parse("""
                {"name": "animals", "positions": [
                  {"token": "<s>"},
                  {"id": 8},
                  {"tokens": ["▁the", "▁cat,"], "weights": [3, 1]},
                  {"ids": [3, 4, 5]},
                  {"match": "^ [a-z]{4,}$", "repeat": 3}]}""");
        assertEquals("animals", d.name());
        assertEquals(7, d.length());
        assertArrayEquals(new int[] {0}, d.position(0).ids());
        assertArrayEquals(new int[] {8}, d.position(1).ids());
        assertArrayEquals(new int[] {19, 62}, d.position(2).ids());
        assertArrayEquals(new double[] {0.75, 0.25}, d.position(2).probabilities(), EPS);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, d.position(3).probabilities(), EPS);
        // decoded texts that are a space then 4+ lower-case letters: " screamed", " cloud", " house"
        for (int i = 4; i < 7; i++) {
            assertArrayEquals(new int[] {13, 54, 56}, d.position(i).ids());
        }
        assertEquals(2L * 3 * 27, d.supportSize());
    }

    @Test
    void matchIsASearchNotAWholeMatch() {
        // "ab" and "Camel" contain "b"/"e"... only tokens whose text contains "mel": "Camel"
        assertArrayEquals(new int[] {17}, parse("{\"positions\": [{\"match\": \"mel\"}]}").position(0).ids());
    }

    @Test
    void specFileAndInlineJsonAndPresetNamesResolve(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("two.json");
        Files.writeString(file, "{\"positions\": [{\"token\": \"<s>\"}, {\"tokens\": [\"a\", \"b\"]}]}");
        InputDistribution d = Distributions.resolve(file.toString(), VOCAB, Optional.empty());
        assertEquals("two", d.name());
        assertEquals(2, d.supportSize());
        assertEquals("hex", Distributions.resolve("hex", VOCAB, Optional.empty()).name());
    }

    @Test
    void unknownPresetOrMissingFile() {
        assertRefused("hexx", "dist", "'hexx' is neither a preset (hex, camel, colon, if, caps, english, spanish, icl)"
                + " nor a JSON spec nor an existing file");
    }

    @Test
    void badSpecFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"positions\": []}");
        InvalidDistributionException e = assertThrows(InvalidDistributionException.class,
                () -> Distributions.resolve(file.toString(), VOCAB, Optional.empty()));
        assertEquals("positions: empty: a spec needs at least one position (in " + file + ")", e.getMessage());
    }

    @Test
    void malformedJson() {
        InvalidDistributionException e = refused("{\"positions\": [");
        assertEquals("dist", e.field());
        assertEquals(true, e.getMessage().startsWith("dist: not valid JSON: "), e.getMessage());
    }

    @Test
    void emptySpecs() {
        assertRefused("{}", "positions", "missing: a spec needs a list of positions");
        assertRefused("{\"positions\": []}", "positions", "empty: a spec needs at least one position");
        assertRefused("{\"positions\": {}}", "positions", "expected a list of positions, got {}");
        assertRefused("{\"positions\": [{}]}", "positions[0]", "needs one of token, id, tokens, ids, match (empty position)");
        assertRefused("{\"positions\": [{\"token\": \"a\"}, 3]}", "positions[1]", "expected an object, got 3");
        assertRefused("{\"positions\": [{\"tokens\": []}]}", "positions[0].tokens", "expected a non-empty list, got []");
    }

    @Test
    void unknownFields() {
        assertRefused("{\"positions\": [{\"token\": \"a\"}], \"seed\": 3}", "dist",
                "unknown field \"seed\"; allowed: name, positions");
        assertRefused("{\"positions\": [{\"token\": \"a\", \"weight\": 2}]}", "positions[0]",
                "unknown field \"weight\"; allowed: id, ids, match, repeat, token, tokens, weights");
    }

    @Test
    void contradictoryFields() {
        assertRefused("{\"positions\": [{\"token\": \"a\"}, {\"token\": \"a\", \"tokens\": [\"b\"]}]}", "positions[1]",
                "has both token and tokens; give exactly one of them");
        assertRefused("{\"positions\": [{\"id\": 3, \"match\": \"a\"}]}", "positions[0]",
                "has both id and match; give exactly one of them");
        assertRefused("{\"positions\": [{\"token\": \"a\", \"weights\": [1]}]}", "positions[0].weights",
                "weights go only with tokens or ids, not with token");
        assertRefused("{\"positions\": [{\"match\": \"a\", \"weights\": [1]}]}", "positions[0].weights",
                "weights go only with tokens or ids, not with match");
    }

    @Test
    void unknownTokens() {
        assertRefused("{\"positions\": [{\"token\": \"<s>\"}, {\"token\": \"the\"}]}", "positions[1].token",
                "unknown token \"the\" (tokens are spelled as in tokenizer.json; did you mean \"▁the\"?)");
        assertRefused("{\"positions\": [{\"tokens\": [\"a\", \"zebra\"]}]}", "positions[0].tokens[1]",
                "unknown token \"zebra\" (tokens are spelled as in tokenizer.json)");
        assertRefused("{\"positions\": [{\"token\": 3}]}", "positions[0].token", "expected a string, got 3");
        assertRefused("{\"positions\": [{\"tokens\": [\"a\", \"a\"]}]}", "positions[0].tokens[1]",
                "token id 3 is listed twice");
    }

    @Test
    void idsOutsideTheVocabulary() {
        assertRefused("{\"positions\": [{\"id\": 63}]}", "positions[0].id",
                "token id 63 is outside the vocabulary (0..62)");
        assertRefused("{\"positions\": [{\"ids\": [1, -1]}]}", "positions[0].ids[1]",
                "token id -1 is outside the vocabulary (0..62)");
        assertRefused("{\"positions\": [{\"id\": 99999999999}]}", "positions[0].id",
                "token id 99999999999 is outside the vocabulary (0..62)");
        assertEquals(3, parse("{\"positions\": [{\"id\": 3.0}]}").position(0).id(0));
        assertRefused("{\"positions\": [{\"id\": 1.5}]}", "positions[0].id",
                "expected a token id (an integer), got 1.5");
        assertRefused("{\"positions\": [{\"id\": \"3\"}]}", "positions[0].id",
                "expected a token id (an integer), got \"3\"");
    }

    @Test
    void regexes() {
        assertRefused("{\"positions\": [{\"match\": \"^the$\"}]}", "positions[0].match",
                "regex \"^the$\" matches no token's decoded text (texts keep their leading spaces, e.g. \" the\")");
        assertRefused("{\"positions\": [{\"match\": \"[a-\"}]}", "positions[0].match",
                "invalid regex \"[a-\": Illegal character range near index 3");
    }

    @Test
    void weights() {
        assertRefused("{\"positions\": [{\"tokens\": [\"a\", \"b\"], \"weights\": [1]}]}", "positions[0].weights",
                "has 1 weights but positions[0].tokens has 2 tokens; give one weight per token");
        assertRefused("{\"positions\": [{\"ids\": [3, 4], \"weights\": [1, -2]}]}", "positions[0].weights[1]",
                "weight -2 must be positive and finite (leave the token out instead of weight 0)");
        assertRefused("{\"positions\": [{\"ids\": [3, 4], \"weights\": [0, 0]}]}", "positions[0].weights[0]",
                "weight 0 must be positive and finite (leave the token out instead of weight 0)");
        assertRefused("{\"positions\": [{\"ids\": [3], \"weights\": [\"1\"]}]}", "positions[0].weights[0]",
                "expected a number, got \"1\"");
        assertRefused("{\"positions\": [{\"ids\": [3], \"weights\": 1}]}", "positions[0].weights",
                "expected a list of numbers, got 1");
        // each finite, but their sum overflows: the job would fail when sampling, so the submit is refused
        assertRefused("{\"positions\": [{\"ids\": [3, 4], \"weights\": [1e308, 1e308]}]}", "positions[0].weights",
                "the weights sum to more than the largest double (about 1.8e308); scale them down");
    }

    @Test
    void repeats() {
        assertEquals(5, parse("{\"positions\": [{\"id\": 3, \"repeat\": 4}, {\"id\": 4}]}").length());
        assertRefused("{\"positions\": [{\"id\": 3, \"repeat\": 0}]}", "positions[0].repeat",
                "repeat 0 must be between 1 and 65536");
        assertRefused("{\"positions\": [{\"id\": 3, \"repeat\": -2}]}", "positions[0].repeat",
                "repeat -2 must be between 1 and 65536");
        assertRefused("{\"positions\": [{\"id\": 3, \"repeat\": 1e12}]}", "positions[0].repeat",
                "repeat 1e12 must be between 1 and 65536");
        assertRefused("{\"positions\": [{\"id\": 3, \"repeat\": 2.5}]}", "positions[0].repeat",
                "expected a repeat count (an integer), got 2.5");
        assertRefused("{\"positions\": [{\"id\": 3, \"repeat\": \"2\"}]}", "positions[0].repeat",
                "expected a repeat count (an integer), got \"2\"");
        assertRefused("{\"positions\": [{\"id\": 3, \"repeat\": 40000}, {\"id\": 3, \"repeat\": 40000}]}",
                "positions[1].repeat", "the spec would be longer than 65536 positions");
    }
}
