package lpe.dist;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import lpe.model.Vocabulary;

/**
 * Token counts of a text corpus, for the presets' corpus-frequency weights (docs/methods.md#presets, corpus weights).
 *
 * <p>Decisions: the file is UTF-8 text; documents are separated by blank lines; each document is encoded on its own
 * (no special tokens) and truncated to its first 2^14 tokens, as the reference does. BOS and EOS are not counted
 * (the reference counts them, which puts the end-of-text token among the code tokens; here it is left out).
 */
final class CorpusCounts {
    static final int MAX_DOCUMENT_TOKENS = 1 << 14;
    private static final Pattern DOCUMENT_BREAK = Pattern.compile("\\R[ \\t]*\\R");

    private CorpusCounts() {}

    static long[] count(Path file, Vocabulary vocabulary) {
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new InvalidDistributionException("corpus", "'" + file + "' is not UTF-8 text");
        } catch (IOException e) {
            throw new InvalidDistributionException("corpus", "cannot read '" + file + "': " + e.getMessage());
        }
        long[] counts = new long[vocabulary.size()];
        long total = 0;
        for (String document : DOCUMENT_BREAK.split(text)) {
            if (document.isBlank()) {
                continue;
            }
            int[] ids = vocabulary.encode(document);
            for (int k = 0; k < Math.min(ids.length, MAX_DOCUMENT_TOKENS); k++) {
                counts[ids[k]]++;
                total++;
            }
        }
        if (total == 0) {
            throw new InvalidDistributionException("corpus", "'" + file + "' contains no text");
        }
        return counts;
    }
}
