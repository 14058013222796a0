package lpe.dist;

import java.util.function.IntPredicate;

/**
 * Python 3 {@code str} predicates in Java, on Unicode code points (docs/methods.md#presets, Python → Java predicates).
 * Python counts and indexes code points, not UTF-16 units, so every method here works on code points.
 */
final class PythonText {
    private PythonText() {}

    /** {@code c.isalpha()}: categories Lu, Ll, Lt, Lm, Lo; exactly {@link Character#isLetter(int)}. */
    static boolean isAlpha(int cp) {
        return Character.isLetter(cp);
    }

    /**
     * {@code c.isspace()}: Python counts U+00A0, U+2007, U+202F (no-break spaces) and U+0085 (next line) as space,
     * {@link Character#isWhitespace(int)} does not; {@link Character#isSpaceChar(int)} adds the no-break spaces.
     */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** {@code s.isupper()}: no lower- or title-case character and at least one upper-case one. */
    static boolean isUpper(String s) {
        boolean cased = false;
        for (int cp : s.codePoints().toArray()) {
            if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            cased |= Character.isUpperCase(cp);
        }
        return cased;
    }

    /** {@code s.islower()}: no upper- or title-case character and at least one lower-case one. */
    static boolean isLower(String s) {
        boolean cased = false;
        for (int cp : s.codePoints().toArray()) {
            if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            cased |= Character.isLowerCase(cp);
        }
        return cased;
    }

    /** {@code all(p(c) for c in s)}: true for the empty string. */
    static boolean all(String s, IntPredicate p) {
        return s.codePoints().allMatch(p);
    }

    /** {@code len(s)}. */
    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /** {@code s[i:]}. */
    static String from(String s, int i) {
        return s.substring(s.offsetByCodePoints(0, Math.min(i, length(s))));
    }

    /** {@code s[i]} as a one-character string (caller checks the length). */
    static String at(String s, int i) {
        return Character.toString(s.codePointAt(s.offsetByCodePoints(0, i)));
    }
}
