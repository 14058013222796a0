package lpe.jobs;

/**
 * Client-given text made safe for one log line: control characters (newlines, escape sequences) are written as
 * {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}, and a backslash as two, so that no request field can
 * start a forged log line or rewrite the terminal.
 */
public final class LogText {
    private LogText() {}

    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
