package lpe.model;

import java.util.OptionalInt;

/** A model's tokens: ids, their spellings in tokenizer.json, and their decoded text. */
public interface Vocabulary {

    int size();

    /** The token as tokenizer.json spells it ({@code ▁cat}, {@code Ġcat}, {@code <s>}). */
    String token(int id);

    /** The decoded text of this single token (leading spaces included; docs/methods.md#presets str(v)). */
    String decode(int id);

    /** The id of a token spelled as in tokenizer.json. */
    OptionalInt id(String token);

    /** The beginning-of-sequence token, if the tokenizer has one. */
    OptionalInt bos();

    /** Encodes text without adding special tokens. */
    int[] encode(String text);
}
