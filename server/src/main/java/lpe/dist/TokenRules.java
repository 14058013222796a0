package lpe.dist;

import static lpe.dist.PythonText.all;
import static lpe.dist.PythonText.at;
import static lpe.dist.PythonText.from;
import static lpe.dist.PythonText.isAlpha;
import static lpe.dist.PythonText.isLower;
import static lpe.dist.PythonText.isSpace;
import static lpe.dist.PythonText.isUpper;
import static lpe.dist.PythonText.length;

import java.util.Locale;
import java.util.Set;

/** The token-set rules of docs/methods.md#presets, as predicates on a token's decoded text str(v), with Python semantics. */
final class TokenRules {
    private static final String PUNCTUATION = ",.?!:;";
    private static final Set<String> ENGLISH_SINGLE_PUNCTUATION = Set.of(",", ".", "!", "?", ";");
    private static final Set<String> PYTHON_KEYWORDS = Set.of("None", "True", "False");

    private TokenRules() {}

    /** HEX: non-empty, only {@code 0-9a-f}. */
    static boolean hex(String s) {
        return !s.isEmpty() && all(s, c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** CAMEL: len > 1, s[0].isupper(), s[1:].islower(), no ASCII space, not None/True/False. */
    static boolean camel(String s) {
        return length(s) > 1
                && isUpper(at(s, 0))
                && isLower(from(s, 1))
                && s.indexOf(' ') < 0
                && !PYTHON_KEYWORDS.contains(s);
    }

    /** CAPS: len > 1, every char upper case or one of {@code , . ? ! : ;}. */
    static boolean caps(String s) {
        return length(s) > 1 && all(s, c -> isUpper(Character.toString(c)) || PUNCTUATION.indexOf(c) >= 0);
    }

    /** english START: every char alphabetic (true for the empty string). */
    static boolean englishStart(String s) {
        return all(s, PythonText::isAlpha);
    }

    /** english MID: a space then letters/punctuation ({@code , . ? ! : ;}), or exactly one of {@code , . ! ? ;}. */
    static boolean englishMid(String s) {
        return (length(s) > 1
                        && s.startsWith(" ")
                        && all(from(s, 1), c -> isAlpha(c) || PUNCTUATION.indexOf(c) >= 0))
                || ENGLISH_SINGLE_PUNCTUATION.contains(s);
    }

    /** spanish ES: every char alphabetic or whitespace (true for the empty string). */
    static boolean spanish(String s) {
        return all(s, c -> isAlpha(c) || isSpace(c));
    }

    /** icl WORD_ℓ: len ≥ 5, a space, then a char whose {@code upper()} is the letter, then letters. */
    static boolean iclWord(String s, char letter) {
        return length(s) >= 5
                && s.startsWith(" ")
                && at(s, 1).toUpperCase(Locale.ROOT).equals(String.valueOf(letter))
                && all(from(s, 2), PythonText::isAlpha);
    }
}
