package lpe.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preset layouts and token sets on {@link TestVocabulary#presets()}, whose ids are listed there; every expected set
 * below was worked out by hand from that list and docs/methods.md#presets.
 */
class PresetsTest {
    private static final TestVocabulary VOCAB = TestVocabulary.presets();
    private static final int BOS = 0;
    private static final double EPS = 1e-12;

    private static InputDistribution built(String name) {
        PresetOutcome outcome = new Presets(VOCAB, Optional.empty()).build(name);
        return assertInstanceOf(PresetOutcome.Built.class, outcome, outcome.toString()).distribution();
    }

    private static int[] range(int from, int toInclusive) {
        return IntStream.rangeClosed(from, toInclusive).toArray();
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    private static void assertUniform(Position p) {
        for (int k = 0; k < p.size(); k++) {
            assertEquals(1.0 / p.size(), p.probability(k), EPS);
        }
    }

    @Test
    void hex() {
        InputDistribution d = built("hex");
        assertEquals(33, d.length());
        assertArrayEquals(new int[] {BOS}, d.position(0).ids());
        for (int i = 1; i < 33; i++) {
            // a, b, f, 0, ab; the byte-fallback <0x61> (id 2) also decodes to "a" and is dropped
            assertArrayEquals(new int[] {3, 4, 5, 6, 7}, d.position(i).ids());
        }
        double sum = 0;
        for (double p : d.position(1).probabilities()) {
            sum += p;
        }
        assertEquals(1.0, sum, EPS);
    }

    @Test
    void camel() {
        InputDistribution d = built("camel");
        assertEquals(33, d.length());
        assertArrayEquals(new int[] {11, 12, 17}, d.position(32).ids()); // He, She, Camel; not None, HI, OK!, A
        assertUniform(d.position(1));
    }

    @Test
    void colonAndIf() {
        // CODE without a corpus: every token but BOS, the empty-text </s> and the duplicate <0x61>: ids 3..62
        InputDistribution colon = built("colon");
        assertEquals(34, colon.length());
        assertArrayEquals(range(3, 62), colon.position(1).ids());
        assertArrayEquals(new int[] {10}, colon.position(33).ids()); // ":"
        InputDistribution ifs = built("if");
        assertEquals(34, ifs.length());
        assertArrayEquals(new int[] {9}, ifs.position(1).ids()); // " if"
        assertArrayEquals(range(3, 62), ifs.position(33).ids());
    }

    @Test
    void caps() {
        InputDistribution d = built("caps");
        assertEquals(21, d.length()); // BOS + He/She + 3 phrase tokens + 16 × CAPS
        assertArrayEquals(new int[] {11, 12}, d.position(1).ids());
        assertUniform(d.position(1));
        assertArrayEquals(new int[] {13}, d.position(2).ids()); // " screamed"
        assertArrayEquals(new int[] {10}, d.position(3).ids()); // ":"
        assertArrayEquals(new int[] {14}, d.position(4).ids()); // " \""
        assertArrayEquals(new int[] {15, 16}, d.position(20).ids()); // HI, OK!
    }

    @Test
    void english() {
        InputDistribution d = built("english");
        assertEquals(26, d.length());
        // START: a b f ab A He She HI Camel None (every char a letter; "0", ":" and "OK!" are not)
        assertArrayEquals(new int[] {3, 4, 5, 7, 8, 11, 12, 15, 17, 18}, d.position(1).ids());
        // MID: " if" " screamed" " the" "," "." " de" " año" " for" " A".." Z" the words, " cat,"; not " \"" nor " "
        assertArrayEquals(concat(new int[] {9, 13, 19, 20, 21, 22, 23}, range(25, 60), new int[] {62}),
                d.position(25).ids());
    }

    @Test
    void spanish() {
        InputDistribution d = built("spanish");
        assertEquals(25, d.length());
        // letters and whitespace only: START's tokens, the spaced words, "\n" (24) and " " (61)
        assertArrayEquals(concat(new int[] {3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 17, 18, 19, 22, 23, 24},
                range(25, 61)), d.position(24).ids());
    }

    @Test
    void icl() {
        InputDistribution d = built("icl");
        assertEquals(30, d.length());
        List<int[]> expected = new ArrayList<>();
        expected.add(new int[] {BOS});
        int[] letters = {8, 26 + 'R' - 'A', 26 + 'C' - 'A', 26 + 'T' - 'A', 26 + 'H' - 'A', 26 + 'E' - 'A',
            26 + 'O' - 'A', 26 + 'R' - 'A', 26 + 'Y' - 'A'};
        // WORD: Apple, Robin, cloud, Tree, house, Echo, Orange, Robin, Yellow (" yes" is too short)
        int[] words = {52, 53, 54, 55, 56, 57, 58, 53, 60};
        for (int k = 0; k < 9; k++) {
            expected.add(new int[] {letters[k]});
            expected.add(new int[] {25}); // " for"
            expected.add(new int[] {words[k]});
        }
        expected.add(range(26, 51)); // QUERY: " A".." Z"
        expected.add(new int[] {25});
        for (int i = 0; i < 30; i++) {
            assertArrayEquals(expected.get(i), d.position(i).ids(), "position " + i);
        }
        assertUniform(d.position(28));
    }

    @Test
    void refusalsGiveEveryReason() {
        List<String> tokens = new ArrayList<>();
        for (int id = 0; id < VOCAB.size(); id++) {
            tokens.add(VOCAB.token(id));
        }
        tokens.set(9, "▁iff"); // no " if" any more
        tokens.set(15, "Hi"); // no caps token but OK! ...
        tokens.set(16, "Ok!"); // ... and now none at all
        tokens.set(12, "▁She");
        Presets presets = new Presets(new TestVocabulary(tokens), Optional.empty());
        assertEquals(new PresetOutcome.Refused("if", "\" if\" is not a single token"), presets.build("if"));
        assertEquals(new PresetOutcome.Refused("caps",
                "\"She\" is not a single token; token set CAPS is empty for this vocabulary"), presets.build("caps"));
        InvalidDistributionException e = assertThrows(InvalidDistributionException.class,
                () -> Distributions.resolve("if", new TestVocabulary(tokens), Optional.empty()));
        assertEquals("dist: preset if cannot be built for this vocabulary: \" if\" is not a single token",
                e.getMessage());
    }

    @Test
    void noBosIsRefused() {
        List<String> tokens = new ArrayList<>(List.of("<t>", "a", "b"));
        Presets presets = new Presets(new TestVocabulary(tokens), Optional.empty());
        assertEquals(new PresetOutcome.Refused("hex", "the tokenizer has no BOS token"), presets.build("hex"));
    }

    @Test
    void unknownPreset() {
        InvalidDistributionException e = assertThrows(InvalidDistributionException.class,
                () -> new Presets(VOCAB, Optional.empty()).build("hexx"));
        assertEquals("dist: unknown preset 'hexx'; presets are hex, camel, colon, if, caps, english, spanish, icl",
                e.getMessage());
    }

    /**
     * Corpus of three documents (blank-line separated) "He\nShe\nHe", "Camel\nCamel\nCamel", "ab.": the test
     * vocabulary encodes them to He 2, She 1, "\n" 4, Camel 3, ab 1, "." 1. CAMEL weights ∝ (He 2, She 1, Camel 3).
     */
    @Test
    void corpusFrequencyWeights(@TempDir Path dir) throws Exception {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "He\nShe\nHe\n\nCamel\nCamel\nCamel\n  \nab.");
        InputDistribution camel = Distributions.resolve("camel", VOCAB, Optional.of(corpus));
        assertArrayEquals(new int[] {11, 12, 17}, camel.position(1).ids());
        assertArrayEquals(new double[] {2.0 / 6, 1.0 / 6, 3.0 / 6}, camel.position(1).probabilities(), EPS);
        // CODE = every token the corpus uses (fewer than the top 1024), weighted by count
        InputDistribution colon = Distributions.resolve("colon", VOCAB, Optional.of(corpus));
        assertArrayEquals(new int[] {7, 11, 12, 17, 21, 24}, colon.position(1).ids());
        assertArrayEquals(new double[] {1.0 / 12, 2.0 / 12, 1.0 / 12, 3.0 / 12, 1.0 / 12, 4.0 / 12},
                colon.position(1).probabilities(), EPS);
        // the hex preset ignores the corpus
        assertArrayEquals(built("hex").position(1).probabilities(),
                Distributions.resolve("hex", VOCAB, Optional.of(corpus)).position(1).probabilities(), EPS);
        // a corpus without any caps token refuses caps for that reason
        assertEquals(new PresetOutcome.Refused("caps", "the corpus contains no token of set CAPS"),
                Distributions.presetOutcomes(VOCAB, Optional.of(corpus)).get(4));
    }

    /**
     * Top-k with corpus weights: 1030 word tokens used once each and "\n" used 1029 times; colon keeps the 1024
     * most frequent, "\n" first, then ties broken by lower id, so w1023..w1029 are dropped.
     */
    @Test
    void codeKeepsTheTop1024CorpusTokens(@TempDir Path dir) throws Exception {
        List<String> tokens = new ArrayList<>(List.of("<s>", ":", "\n"));
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < 1030; k++) {
            String word = String.format("w%04d", k);
            tokens.add(word);
            text.append(k == 0 ? "" : "\n").append(word);
        }
        Path corpus = dir.resolve("words.txt");
        Files.writeString(corpus, text);
        InputDistribution colon = Distributions.resolve("colon", new TestVocabulary(tokens), Optional.of(corpus));
        Position code = colon.position(1);
        assertEquals(1024, code.size());
        assertArrayEquals(range(2, 1025), code.ids()); // "\n" (2), then w0000 (3) .. w1022 (1025)
        assertEquals(1029.0 / (1029 + 1023), code.probability(0), EPS);
    }

    @Test
    void badCorpus(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n\n  \n");
        InvalidDistributionException e = assertThrows(InvalidDistributionException.class,
                () -> Distributions.resolve("camel", VOCAB, Optional.of(empty)));
        assertEquals("corpus: '" + empty + "' contains no text", e.getMessage());
        Path missing = dir.resolve("missing.txt");
        e = assertThrows(InvalidDistributionException.class,
                () -> Distributions.resolve("camel", VOCAB, Optional.of(missing)));
        assertEquals("corpus", e.field());
        assertEquals(true, e.getMessage().startsWith("corpus: cannot read '" + missing + "'"), e.getMessage());
    }
}
