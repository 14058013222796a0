package lpe.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@link Vocabulary} over a Hugging Face tokenizer.json. Encoding and decoding run in DJL's HuggingFaceTokenizer
 * (the Rust tokenizers library); token spellings come from tokenizer.json itself ({@code model.vocab} and
 * {@code added_tokens}).
 *
 * <p>Decisions: {@link #size()} is the model's vocabulary size (config.json), which may exceed the tokenizer's
 * (padded embedding rows); ids the tokenizer does not know spell and decode as the empty string.
 * {@link #decode(int)} keeps leading spaces (docs/methods.md#presets): SentencePiece-style decoders strip the first
 * space of a text, so the token is decoded after the BOS token and the BOS text is removed.
 */
public final class HfVocabulary implements Vocabulary {

    private final HuggingFaceTokenizer tokenizer;
    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final OptionalInt bos;
    private volatile String[] decoded;

    private HfVocabulary(HuggingFaceTokenizer tokenizer, String[] tokens, Map<String, Integer> ids, OptionalInt bos) {
        this.tokenizer = tokenizer;
        this.tokens = tokens;
        this.ids = ids;
        this.bos = bos;
    }

    /**
     * Loads tokenizer.json (and, for the BOS token, tokenizer_config.json when present).
     *
     * @param vocabularySize the model's vocabulary size; tokenizer ids at or above it are refused
     * @param configBos config.json's {@code bos_token_id}, preferred over tokenizer_config.json's {@code bos_token}
     */
    public static HfVocabulary load(Path tokenizerJson, int vocabularySize, OptionalInt configBos) {
        JsonObject json = JsonFiles.readObject(tokenizerJson);
        String[] tokens = new String[vocabularySize];
        Map<String, Integer> ids = new HashMap<>();
        JsonElement model = json.get("model");
        if (model == null || !model.isJsonObject() || !model.getAsJsonObject().has("vocab")) {
            throw new IllegalArgumentException(tokenizerJson + ": field 'model.vocab' is missing; expected a Hugging Face tokenizer.json");
        }
        JsonElement vocab = model.getAsJsonObject().get("vocab");
        if (vocab.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                put(tokenizerJson, "model.vocab", tokens, ids, e.getKey(), e.getValue().getAsInt());
            }
        } else if (vocab.isJsonArray()) { // Unigram: [[piece, score], ...], id = index
            for (int i = 0; i < vocab.getAsJsonArray().size(); i++) {
                put(tokenizerJson, "model.vocab", tokens, ids, vocab.getAsJsonArray().get(i).getAsJsonArray().get(0).getAsString(), i);
            }
        } else {
            throw new IllegalArgumentException(tokenizerJson + ": field 'model.vocab' is " + vocab.getClass().getSimpleName() + "; expected an object or array");
        }
        if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
            for (JsonElement e : json.getAsJsonArray("added_tokens")) {
                JsonObject t = e.getAsJsonObject();
                put(tokenizerJson, "added_tokens", tokens, ids, t.get("content").getAsString(), t.get("id").getAsInt());
            }
        }
        OptionalInt bos = configBos.isPresent() ? configBos : bosFromTokenizerConfig(tokenizerJson.resolveSibling("tokenizer_config.json"), ids);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "false", "truncation", "false"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(tokenizerJson + ": the tokenizers library refused it (" + e.getMessage()
                    + "); expected a Hugging Face tokenizer.json", e);
        }
        return new HfVocabulary(tokenizer, tokens, ids, bos);
    }

    private static void put(Path file, String field, String[] tokens, Map<String, Integer> ids, String token, int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException(file + ": token '" + token + "' in '" + field + "' has id " + id
                    + "; expected an id in [0, " + tokens.length + ") (config.json vocab_size)");
        }
        tokens[id] = token;
        ids.put(token, id);
    }

    private static OptionalInt bosFromTokenizerConfig(Path tokenizerConfig, Map<String, Integer> ids) {
        if (!Files.exists(tokenizerConfig)) {
            return OptionalInt.empty();
        }
        JsonElement bos = JsonFiles.readObject(tokenizerConfig).get("bos_token");
        if (bos != null && bos.isJsonObject()) {
            bos = bos.getAsJsonObject().get("content");
        }
        if (bos == null || !bos.isJsonPrimitive() || !ids.containsKey(bos.getAsString())) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(ids.get(bos.getAsString()));
    }

    @Override
    public int size() {
        return tokens.length;
    }

    @Override
    public String token(int id) {
        checkId(id);
        return tokens[id] == null ? "" : tokens[id];
    }

    @Override
    public String decode(int id) {
        checkId(id);
        return decodedTokens()[id];
    }

    @Override
    public OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public OptionalInt bos() {
        return bos;
    }

    @Override
    public int[] encode(String text) {
        long[] encoded = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[encoded.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) encoded[i];
        }
        return out;
    }

    /**
     * Encodes a prompt as Hugging Face's {@code tokenizer(text)} does: with the special tokens the tokenizer's
     * post-processor adds (Llama-style tokenizers prepend BOS; GPT-2's adds nothing).
     */
    public int[] encodePrompt(String text) {
        long[] encoded = tokenizer.encode(text, true, false).getIds();
        int[] out = new int[encoded.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) encoded[i];
        }
        return out;
    }

    /** Decodes a sequence of ids to text (special tokens skipped). */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i]);
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, true);
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        }
    }

    private String[] decodedTokens() {
        String[] d = decoded;
        if (d == null) {
            synchronized (this) {
                if (decoded == null) {
                    decoded = decodeAll();
                }
                d = decoded;
            }
        }
        return d;
    }

    private String[] decodeAll() {
        String[] out = new String[tokens.length];
        long[][] batch = new long[tokens.length][];
        String prefix = "";
        if (bos.isPresent()) {
            prefix = tokenizer.decode(new long[] {bos.getAsInt()}, false);
        }
        for (int id = 0; id < tokens.length; id++) {
            batch[id] = tokens[id] == null ? new long[0] : bos.isPresent() ? new long[] {bos.getAsInt(), id} : new long[] {id};
        }
        String[] texts = tokenizer.batchDecode(batch, false);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] == null) {
                out[id] = "";
            } else if (bos.isPresent() && texts[id].startsWith(prefix)) {
                out[id] = texts[id].substring(prefix.length());
            } else {
                out[id] = tokenizer.decode(new long[] {id}, false);
            }
        }
        return out;
    }
}
