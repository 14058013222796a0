package lpe.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import lpe.model.Vocabulary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The presets on the real stories260K vocabulary (SentencePiece style: "▁the" decodes to " the"). Expected token ids
 * were read by hand from its tokenizer.json ({@code model.vocab}), not produced by the code under test.
 */
class Stories260KPresetsTest {
    private static Vocabulary vocab;
    private static List<PresetOutcome> outcomes;

    @BeforeAll
    static void load() {
        vocab = new ModelReader().read(TestModels.stories260K()).vocabulary();
        outcomes = Distributions.presetOutcomes(vocab, Optional.empty());
    }

    private static InputDistribution built(int index) {
        return assertInstanceOf(PresetOutcome.Built.class, outcomes.get(index), outcomes.get(index).toString())
                .distribution();
    }

    private static String refusal(int index) {
        return assertInstanceOf(PresetOutcome.Refused.class, outcomes.get(index), outcomes.get(index).toString())
                .reason();
    }

    @Test
    void hexHoldsTheNineteenLowerCaseHexTokens() {
        InputDistribution hex = built(0);
        assertEquals(33, hex.length());
        assertArrayEquals(new int[] {1}, hex.position(0).ids()); // <s>
        // ed ce ad e a d c b f 3 1 0 2 5 9 4 8 6 7 (tokenizer.json); the byte tokens <0x30>.. <0x66> are dropped
        int[] expected = {266, 331, 380, 411, 412, 418, 429, 430, 431, 472, 475, 477, 479, 480, 483, 484, 487, 490, 491};
        assertArrayEquals(expected, hex.position(32).ids());
        double[] p = hex.position(1).probabilities();
        double sum = 0;
        for (int k = 0; k < p.length; k++) {
            sum += p[k];
            assertTrue(p[k] > 0, "token " + expected[k]);
        }
        assertEquals(1.0, sum, 1e-12);
        // a two-character token is rarer than a single character under the Markov model (A = 16)
        assertTrue(p[0] < p[3] && p[1] < p[4] && p[2] < p[4], java.util.Arrays.toString(p));
        // docs/methods.md#hex-construction written literally in Python/numpy (list of matches, prefix removal, np.linalg.solve with
        // the last row replaced by ones) over these 19 strings in id order
        double[] reference = {0.0039505606189757896, 0.003950560618975805, 0.003950560618975805, 0.05557012654907848,
            0.05925840928463706, 0.055553734181365284, 0.05925840928463707, 0.06320896990361269, 0.0632089699036129,
            0.0632089699036129, 0.0632089699036129, 0.0632089699036129, 0.0632089699036129, 0.0632089699036129,
            0.0632089699036129, 0.0632089699036129, 0.06320896990361288, 0.06320896990361288, 0.06320896990361288};
        assertArrayEquals(reference, p, 1e-12);
    }

    @Test
    void refusalsAreForTheRealReason() {
        // No capitalised token without a leading space exists: "He" and "She" are only "▁He" (346) and "▁She" (338).
        assertEquals("token set CAMEL is empty for this vocabulary", refusal(1));
        assertEquals("\" if\" is not a single token", refusal(3)); // no "▁if" in tokenizer.json
        assertEquals("\"He\", \"She\" are not single tokens; token set CAPS is empty for this vocabulary", refusal(4));
        // Of " A".." Z" only ▁T ▁S ▁L ▁O ▁H ▁I ▁B ▁M exist; "A" (447) and " for" (387) do. Words of 5+ characters
        // (a space, then letters) exist for T (" They", " Timmy"), H (" happy"), O (" Once"), not for A R C E Y.
        assertEquals("\" R\", \" C\", \" E\", \" Y\", \" A\", \" D\", \" F\", \" G\", \" J\", \" K\", \" N\","
                + " \" P\", \" Q\", \" U\", \" V\", \" W\", \" X\", \" Z\" are not single tokens;"
                + " token sets WORD_A, WORD_R, WORD_C, WORD_E, WORD_Y are empty for this vocabulary", refusal(7));
    }

    /**
     * Set sizes from an independent Python 3.11 script over tokenizer.json: decode "▁" as a space and {@code <0xNN>}
     * as that byte (U+FFFD above 0x7F), keep one token per text (regular before byte-fallback), drop BOS, then apply
     * the preset rules (docs/methods.md#presets) with Python's own str.isalpha/str.isspace: CODE 296, START 116, ES 217, MID 94.
     */
    @Test
    void setSizesMatchAPythonReference() {
        assertEquals(296, built(2).position(1).size());
        assertEquals(116, built(5).position(1).size());
        assertEquals(94, built(5).position(2).size());
        assertEquals(217, built(6).position(1).size());
    }

    @Test
    void colonEnglishSpanishBuild() {
        InputDistribution colon = built(2);
        assertEquals(34, colon.length());
        assertArrayEquals(new int[] {467}, colon.position(33).ids()); // ":"
        InputDistribution english = built(5);
        assertEquals(26, english.length());
        // MID: the 89 "▁"-tokens followed by letters or , . ? ! : ; (counted in tokenizer.json) plus , . ! ? ;
        assertEquals(94, english.position(2).size());
        assertTrue(english.position(2).indexOf(265) >= 0 && english.position(2).indexOf(432) >= 0); // " the", ","
        InputDistribution spanish = built(6);
        assertEquals(25, spanish.length());
        assertTrue(spanish.position(1).indexOf(13) >= 0, "\"\\n\" (<0x0A>, the only newline token) is whitespace");
        assertTrue(spanish.position(1).indexOf(498) >= 0, "U+00A0 (token 498) is whitespace in Python");
    }
}
