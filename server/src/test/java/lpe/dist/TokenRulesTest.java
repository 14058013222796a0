package lpe.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Predicate semantics against Python 3: every expected value below was listed by hand from CPython 3.11
 * ({@code s.isupper()}, {@code s.islower()}, {@code c.isspace()}, {@code c.isalpha()} and the preset rules (docs/methods.md#presets) written in
 * Python), not computed by the code under test.
 */
class TokenRulesTest {

    /** {s, isupper, islower, camel, caps} as CPython gives them. */
    private static final Object[][] STRINGS = {
        {"", false, false, false, false},
        {"A", true, false, false, false},
        {"a", false, true, false, false},
        {"Ab", false, false, true, false},
        {"AB", true, false, false, true},
        {"Abc1_", false, false, true, false}, // digits and underscore are uncased: allowed in camel
        {"A1", true, false, false, false}, // "1".islower() is False: no cased character
        {"A_", true, false, false, false},
        {"ǅ", false, false, false, false}, // U+01C5 is title case: neither upper nor lower
        {"ǅa", false, false, false, false},
        {"Ⓐ", true, false, false, false}, // Other_Uppercase
        {"ⓐb", false, true, false, false},
        {"Ab c", false, false, false, false}, // ASCII space refused in camel
        {"Ab\u00a0c", false, false, true, false}, // other whitespace is not checked
        {"Ab\nc", false, false, true, false},
        {"None", false, false, false, false},
        {"Hello", false, false, true, false},
        {" Hello", false, false, false, false},
        {"A:", true, false, false, true},
        {"HI!", true, false, false, true},
        {",.", false, false, false, true}, // pure punctuation qualifies as caps
        {"ÉCOLE", true, false, false, true},
        {"ſ", false, true, false, false}, // long s is lower case
    };

    @Test
    void stringPredicatesMatchPython() {
        for (Object[] row : STRINGS) {
            String s = (String) row[0];
            assertEquals(row[1], PythonText.isUpper(s), "isupper " + Presets.quoted(s));
            assertEquals(row[2], PythonText.isLower(s), "islower " + Presets.quoted(s));
            assertEquals(row[3], TokenRules.camel(s), "camel " + Presets.quoted(s));
            assertEquals(row[4], TokenRules.caps(s), "caps " + Presets.quoted(s));
        }
    }

    @Test
    void isspaceMatchesPythonIncludingNoBreakSpaces() {
        int[] spaces = {0xa0, 0x85, 0x2007, 0x202f, 0x1c, '\t', 0x3000, 0x2028, ' ', '\n'};
        int[] notSpaces = {0x200b, 0xfeff, 0x180e, 'a', '_'};
        for (int cp : spaces) {
            assertEquals(true, PythonText.isSpace(cp), "isspace U+" + Integer.toHexString(cp));
        }
        for (int cp : notSpaces) {
            assertEquals(false, PythonText.isSpace(cp), "isspace U+" + Integer.toHexString(cp));
        }
    }

    @Test
    void isalphaMatchesPython() {
        int[] letters = {'é', 'ª', 'ʰ', 'ǅ', '一', 'a', 'Z'};
        int[] notLetters = {'Ⅻ', '²', '_', '1', 0x345, ' '}; // Nl, No, Pc, Nd, Mn (Other_Alphabetic), space
        for (int cp : letters) {
            assertEquals(true, PythonText.isAlpha(cp), "isalpha U+" + Integer.toHexString(cp));
        }
        for (int cp : notLetters) {
            assertEquals(false, PythonText.isAlpha(cp), "isalpha U+" + Integer.toHexString(cp));
        }
    }

    @Test
    void emptyStringIsVacuouslyTrueForAllBasedRulesOnly() {
        assertEquals(true, TokenRules.englishStart(""));
        assertEquals(true, TokenRules.spanish(""));
        assertEquals(false, TokenRules.hex(""));
        assertEquals(false, TokenRules.englishMid(""));
        assertEquals(false, TokenRules.camel(""));
        assertEquals(false, TokenRules.caps(""));
    }

    @Test
    void hexIsLowerCaseHexDigitsOnly() {
        assertEquals(true, TokenRules.hex("0a9f"));
        assertEquals(true, TokenRules.hex("ed"));
        assertEquals(false, TokenRules.hex("0A"));
        assertEquals(false, TokenRules.hex(" a"));
        assertEquals(false, TokenRules.hex("g"));
        assertEquals(false, TokenRules.hex("٣")); // Arabic-Indic three: a digit, but not 0-9
    }

    @Test
    void englishRules() {
        assertEquals(true, TokenRules.englishStart("The"));
        assertEquals(true, TokenRules.englishStart("été"));
        assertEquals(false, TokenRules.englishStart(" The"));
        assertEquals(false, TokenRules.englishStart("it's"));
        assertEquals(true, TokenRules.englishMid(" the"));
        assertEquals(true, TokenRules.englishMid(" end."));
        assertEquals(true, TokenRules.englishMid(" ,"));
        assertEquals(true, TokenRules.englishMid(","));
        assertEquals(true, TokenRules.englishMid(";"));
        assertEquals(false, TokenRules.englishMid(":")); // ':' alone is not in the single-punctuation list
        assertEquals(false, TokenRules.englishMid(" "));
        assertEquals(false, TokenRules.englishMid("the"));
        assertEquals(false, TokenRules.englishMid(" it's"));
        assertEquals(false, TokenRules.englishMid("  the")); // a second space is neither letter nor punctuation
    }

    @Test
    void spanishRule() {
        assertEquals(true, TokenRules.spanish(" de"));
        assertEquals(true, TokenRules.spanish("\n"));
        assertEquals(true, TokenRules.spanish(" año"));
        assertEquals(true, TokenRules.spanish("\u00a0"));
        assertEquals(false, TokenRules.spanish(" de,"));
        assertEquals(false, TokenRules.spanish("1"));
    }

    @Test
    void iclWordRule() {
        assertEquals(true, TokenRules.iclWord(" apple", 'A'));
        assertEquals(true, TokenRules.iclWord(" Alpha", 'A'));
        assertEquals(false, TokenRules.iclWord(" ape", 'A')); // length 4
        assertEquals(false, TokenRules.iclWord("apple", 'A')); // no space
        assertEquals(false, TokenRules.iclWord(" apple", 'B'));
        assertEquals(false, TokenRules.iclWord(" app1e", 'A'));
        assertEquals(true, TokenRules.iclWord(" ırmak", 'I')); // "ı".upper() == "I" in Python
        assertEquals(true, TokenRules.iclWord(" ſtone", 'S')); // "ſ".upper() == "S" in Python
        assertEquals(false, TokenRules.iclWord(" 𝐀bcde", 'A')); // U+1D400: "𝐀".upper() is itself
    }
}
