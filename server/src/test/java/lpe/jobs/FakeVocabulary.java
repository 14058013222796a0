package lpe.jobs;

import java.util.OptionalInt;
import lpe.model.Vocabulary;

/** Tokens {@code t0 .. t(n-1)}, decoding to themselves. */
public record FakeVocabulary(int size) implements Vocabulary {
    @Override
    public String token(int id) {
        return "t" + id;
    }

    @Override
    public String decode(int id) {
        return token(id);
    }

    @Override
    public OptionalInt id(String token) {
        if (token.matches("t\\d{1,6}")) {
            int id = Integer.parseInt(token.substring(1));
            if (id < size) {
                return OptionalInt.of(id);
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public OptionalInt bos() {
        return OptionalInt.empty();
    }

    @Override
    public int[] encode(String text) {
        throw new UnsupportedOperationException("not needed by the server tests");
    }
}
