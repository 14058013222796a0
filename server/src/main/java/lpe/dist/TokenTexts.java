package lpe.dist;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import lpe.model.Vocabulary;

/**
 * The decoded text str(v) of every token of a vocabulary (docs/methods.md#presets), and which tokens the presets may use.
 *
 * <p>Decisions (README "Input distributions"): a preset's token set holds one token per decoded text, the token a
 * tokenizer would produce. When several tokens decode to the same text (SentencePiece byte-fallback tokens such as
 * {@code <0x61>} beside {@code a}), the regular token is kept and the byte-fallback one dropped; among equals the
 * lowest id wins. Tokens whose text is empty (special tokens that decode to nothing) and the BOS token are never in a
 * varying position: a tokenizer never produces them from text.
 */
final class TokenTexts {
    private static final Pattern BYTE_FALLBACK = Pattern.compile("<0x[0-9A-Fa-f]{2}>");

    private final Vocabulary vocabulary;
    private final String[] texts;
    private final Map<String, Integer> canonical = new HashMap<>();

    TokenTexts(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.texts = new String[vocabulary.size()];
        for (int id = 0; id < texts.length; id++) {
            texts[id] = vocabulary.decode(id);
            canonical.merge(texts[id], id, this::preferred);
        }
    }

    private int preferred(int a, int b) {
        boolean aFallback = BYTE_FALLBACK.matcher(vocabulary.token(a)).matches();
        boolean bFallback = BYTE_FALLBACK.matcher(vocabulary.token(b)).matches();
        if (aFallback != bFallback) {
            return aFallback ? b : a;
        }
        return Math.min(a, b);
    }

    Vocabulary vocabulary() {
        return vocabulary;
    }

    String text(int id) {
        return texts[id];
    }

    /** The ids a varying preset position may hold whose text satisfies the rule, ascending. */
    int[] select(Predicate<String> rule) {
        int bos = vocabulary.bos().orElse(-1);
        return IntStream.range(0, texts.length)
                .filter(id -> id != bos && !texts[id].isEmpty() && canonical.get(texts[id]) == id)
                .filter(id -> rule.test(texts[id]))
                .toArray();
    }

    /** The token whose decoded text is exactly {@code text}, if there is one. */
    OptionalInt single(String text) {
        Integer id = canonical.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * Encodes a phrase into tokens whose decoded texts concatenate to exactly the phrase. A SentencePiece tokenizer
     * prepends a space to the text it encodes; when that makes a leading token that decodes to a lone space, the
     * token is dropped. Empty if the phrase cannot be spelled that way.
     */
    Optional<int[]> encodeExactly(String phrase) {
        int[] ids = vocabulary.encode(phrase);
        if (spells(ids, phrase)) {
            return Optional.of(ids);
        }
        if (ids.length > 1 && texts[ids[0]].equals(" ") && spells(Arrays.copyOfRange(ids, 1, ids.length), phrase)) {
            return Optional.of(Arrays.copyOfRange(ids, 1, ids.length));
        }
        return Optional.empty();
    }

    private boolean spells(int[] ids, String phrase) {
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(texts[id]);
        }
        return text.toString().equals(phrase);
    }
}
