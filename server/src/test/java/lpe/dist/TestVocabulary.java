package lpe.dist;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import lpe.model.Vocabulary;

/**
 * A small SentencePiece-style vocabulary for tests: {@code ▁} decodes to a space, {@code <0xNN>} to that byte
 * (ASCII only), {@code <s>} and {@code </s>} to nothing; BOS is {@code <s>}. Encoding is greedy longest match over the
 * decoded texts, regular tokens before byte tokens (enough for tests; not BPE).
 */
final class TestVocabulary implements Vocabulary {
    private final List<String> tokens;
    private final Map<String, Integer> ids = new HashMap<>();

    TestVocabulary(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id);
        }
    }

    /** The vocabulary the preset tests use; ids are the list indices. */
    static TestVocabulary presets() {
        List<String> t = new ArrayList<>(List.of(
                "<s>", "</s>", "<0x61>", "a", "b", "f", "0", "ab", "A", "▁if", // 0-9
                ":", "He", "She", "▁screamed", "▁\"", "HI", "OK!", "Camel", "None", "▁the", // 10-19
                ",", ".", "▁de", "▁año", "<0x0A>", "▁for")); // 20-25
        for (char c = 'A'; c <= 'Z'; c++) {
            t.add("▁" + c); // 26-51
        }
        t.addAll(List.of("▁Apple", "▁Robin", "▁cloud", "▁Tree", "▁house", "▁Echo", "▁Orange", "▁yes", "▁Yellow", // 52-60
                "▁", "▁cat,")); // 61-62
        return new TestVocabulary(t);
    }

    @Override
    public int size() {
        return tokens.size();
    }

    @Override
    public String token(int id) {
        return tokens.get(id);
    }

    @Override
    public String decode(int id) {
        String t = tokens.get(id);
        if (t.equals("<s>") || t.equals("</s>")) {
            return "";
        }
        if (t.matches("<0x[0-7][0-9A-F]>")) {
            return Character.toString(Integer.parseInt(t.substring(3, 5), 16));
        }
        return t.replace('▁', ' ');
    }

    @Override
    public OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public OptionalInt bos() {
        return id("<s>");
    }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int best = -1;
            for (int id = 0; id < tokens.size(); id++) {
                String d = decode(id);
                if (!d.isEmpty() && text.startsWith(d, at) && (best < 0 || d.length() > decode(best).length()
                        || (d.length() == decode(best).length() && tokens.get(best).startsWith("<0x")))) {
                    best = id;
                }
            }
            if (best < 0) {
                throw new IllegalArgumentException("test vocabulary cannot encode " + text.substring(at));
            }
            out.add(best);
            at += decode(best).length();
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
