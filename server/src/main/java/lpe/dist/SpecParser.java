package lpe.dist;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.IntStream;
import lpe.model.Vocabulary;

/**
 * Parses the JSON distribution spec (docs/methods.md#json-distribution-spec) ("SPEC") against a vocabulary:
 *
 * <pre>{"name": "animals", "positions": [
 *   {"token": "&lt;s&gt;"}, {"id": 1},
 *   {"tokens": ["▁cat", "▁dog"], "weights": [3, 1]}, {"ids": [300, 301]},
 *   {"match": "^ [a-z]{3,}$", "repeat": 3}]}</pre>
 *
 * Each position has exactly one of token, id, tokens, ids, match; weights (positive, one per token) only with tokens
 * or ids; repeat (default 1) copies it. {@code match} is a Java regex searched ({@link Matcher#find()}, like Python's
 * {@code re.search}) in each token's decoded text (leading spaces included); it selects every matching token. A
 * bad spec is an {@link InvalidDistributionException} naming the field ({@code positions[2].weights}) and the reason.
 */
final class SpecParser {
    /** Longest sequence a spec may describe; beyond it a repeat is taken for a mistake. */
    static final int MAX_LENGTH = 1 << 16;

    private static final Set<String> TOP_FIELDS = Set.of("name", "positions");
    private static final List<String> SUPPORT_FIELDS = List.of("token", "id", "tokens", "ids", "match");
    private static final Set<String> POSITION_FIELDS =
            Set.of("token", "id", "tokens", "ids", "match", "weights", "repeat");

    private final Vocabulary vocabulary;
    private final TokenTexts texts;

    SpecParser(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.texts = new TokenTexts(vocabulary);
    }

    /** @param defaultName the distribution's name when the spec has none (e.g. the file name) */
    InputDistribution parse(String json, String defaultName) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new InvalidDistributionException("dist", "not valid JSON: " + rootCause(e).getMessage());
        }
        if (!root.isJsonObject()) {
            throw new InvalidDistributionException("dist", "a spec is a JSON object with \"positions\", got " + root);
        }
        JsonObject spec = root.getAsJsonObject();
        rejectUnknown(spec, TOP_FIELDS, "dist");
        String name = defaultName;
        if (spec.has("name")) {
            name = string(spec.get("name"), "name");
        }
        if (!spec.has("positions")) {
            throw new InvalidDistributionException("positions", "missing: a spec needs a list of positions");
        }
        JsonElement positionsJson = spec.get("positions");
        if (!positionsJson.isJsonArray()) {
            throw new InvalidDistributionException("positions", "expected a list of positions, got " + positionsJson);
        }
        JsonArray array = positionsJson.getAsJsonArray();
        if (array.isEmpty()) {
            throw new InvalidDistributionException("positions", "empty: a spec needs at least one position");
        }
        List<Position> positions = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String field = "positions[" + i + "]";
            if (!array.get(i).isJsonObject()) {
                throw new InvalidDistributionException(field, "expected an object, got " + array.get(i));
            }
            JsonObject position = array.get(i).getAsJsonObject();
            Position parsed = position(position, field);
            int repeat = repeat(position, field);
            if (positions.size() + repeat > MAX_LENGTH) {
                throw new InvalidDistributionException(
                        field + ".repeat", "the spec would be longer than " + MAX_LENGTH + " positions");
            }
            for (int r = 0; r < repeat; r++) {
                positions.add(parsed);
            }
        }
        return new InputDistribution(name, positions);
    }

    private Position position(JsonObject position, String field) {
        rejectUnknown(position, POSITION_FIELDS, field);
        List<String> present = SUPPORT_FIELDS.stream().filter(position::has).toList();
        if (present.isEmpty()) {
            throw new InvalidDistributionException(
                    field, "needs one of " + String.join(", ", SUPPORT_FIELDS) + " (empty position)");
        }
        if (present.size() > 1) {
            throw new InvalidDistributionException(
                    field, "has both " + String.join(" and ", present) + "; give exactly one of them");
        }
        String kind = present.getFirst();
        JsonElement value = position.get(kind);
        String at = field + "." + kind;
        if (position.has("weights") && !kind.equals("tokens") && !kind.equals("ids")) {
            throw new InvalidDistributionException(
                    field + ".weights", "weights go only with tokens or ids, not with " + kind);
        }
        int[] ids = switch (kind) {
            case "token" -> new int[] {tokenId(value, at)};
            case "id" -> new int[] {checkedId(value, at)};
            case "tokens" -> list(value, at, this::tokenId);
            case "ids" -> list(value, at, this::checkedId);
            default -> match(value, at);
        };
        double[] weights = position.has("weights")
                ? weights(position.get("weights"), ids.length, field + ".weights", field + "." + kind)
                : uniform(ids.length);
        return new Position(ids, weights);
    }

    private int[] list(JsonElement value, String field, IdReader reader) {
        if (!value.isJsonArray() || value.getAsJsonArray().isEmpty()) {
            throw new InvalidDistributionException(field, "expected a non-empty list, got " + value);
        }
        JsonArray array = value.getAsJsonArray();
        int[] ids = new int[array.size()];
        Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < ids.length; k++) {
            String at = field + "[" + k + "]";
            ids[k] = reader.read(array.get(k), at);
            if (!seen.add(ids[k])) {
                throw new InvalidDistributionException(at, "token id " + ids[k] + " is listed twice");
            }
        }
        return ids;
    }

    private interface IdReader {
        int read(JsonElement value, String field);
    }

    private int tokenId(JsonElement value, String field) {
        String token = string(value, field);
        OptionalInt id = vocabulary.id(token);
        if (id.isPresent()) {
            return id.getAsInt();
        }
        String hint = suggestion(token);
        throw new InvalidDistributionException(field, "unknown token " + Presets.quoted(token)
                + " (tokens are spelled as in tokenizer.json" + hint + ")");
    }

    /** A nearby spelling: the same token with a SentencePiece or byte-level space marker. */
    private String suggestion(String token) {
        String bare = token.startsWith(" ") ? token.substring(1) : token;
        for (String candidate : List.of("▁" + bare, "Ġ" + bare)) {
            if (vocabulary.id(candidate).isPresent()) {
                return "; did you mean " + Presets.quoted(candidate) + "?";
            }
        }
        return "";
    }

    private int checkedId(JsonElement value, String field) {
        int id = integer(value, field, "a token id");
        if (id < 0 || id >= vocabulary.size()) {
            throw new InvalidDistributionException(
                    field, "token id " + value + " is outside the vocabulary (0.." + (vocabulary.size() - 1) + ")");
        }
        return id;
    }

    private int[] match(JsonElement value, String field) {
        String regex = string(value, field);
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new InvalidDistributionException(
                    field, "invalid regex " + Presets.quoted(regex) + ": " + e.getDescription() + " near index "
                            + e.getIndex());
        }
        int[] ids = IntStream.range(0, vocabulary.size())
                .filter(id -> pattern.matcher(texts.text(id)).find())
                .toArray();
        if (ids.length == 0) {
            throw new InvalidDistributionException(field, "regex " + Presets.quoted(regex)
                    + " matches no token's decoded text (texts keep their leading spaces, e.g. \" the\")");
        }
        return ids;
    }

    private static double[] weights(JsonElement value, int count, String field, String supportField) {
        if (!value.isJsonArray()) {
            throw new InvalidDistributionException(field, "expected a list of numbers, got " + value);
        }
        JsonArray array = value.getAsJsonArray();
        if (array.size() != count) {
            throw new InvalidDistributionException(field, "has " + array.size() + " weights but " + supportField
                    + " has " + count + " tokens; give one weight per token");
        }
        double[] weights = new double[count];
        for (int k = 0; k < count; k++) {
            JsonElement w = array.get(k);
            if (!isNumber(w)) {
                throw new InvalidDistributionException(field + "[" + k + "]", "expected a number, got " + w);
            }
            weights[k] = w.getAsDouble();
            if (!(weights[k] > 0) || Double.isInfinite(weights[k])) {
                throw new InvalidDistributionException(field + "[" + k + "]",
                        "weight " + w + " must be positive and finite (leave the token out instead of weight 0)");
            }
        }
        if (Double.isInfinite(java.util.Arrays.stream(weights).sum())) {
            throw new InvalidDistributionException(field, "the weights sum to more than the largest double (about "
                    + "1.8e308); scale them down");
        }
        return weights;
    }

    private static int repeat(JsonObject position, String field) {
        if (!position.has("repeat")) {
            return 1;
        }
        int repeat = integer(position.get("repeat"), field + ".repeat", "a repeat count");
        if (repeat < 1 || repeat > MAX_LENGTH) {
            throw new InvalidDistributionException(
                    field + ".repeat", "repeat " + position.get("repeat") + " must be between 1 and " + MAX_LENGTH);
        }
        return repeat;
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1);
        return w;
    }

    private static void rejectUnknown(JsonObject object, Set<String> allowed, String field) {
        for (String key : object.keySet()) {
            if (!allowed.contains(key)) {
                throw new InvalidDistributionException(field, "unknown field \"" + key + "\"; allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private static String string(JsonElement value, String field) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new InvalidDistributionException(field, "expected a string, got " + value);
        }
        return value.getAsString();
    }

    /** An integral JSON number, clamped to the int range (callers then refuse it by range, quoting the JSON). */
    private static int integer(JsonElement value, String field, String what) {
        if (!isNumber(value)) {
            throw new InvalidDistributionException(field, "expected " + what + " (an integer), got " + value);
        }
        BigDecimal number = value.getAsBigDecimal();
        if (number.stripTrailingZeros().scale() > 0) {
            throw new InvalidDistributionException(field, "expected " + what + " (an integer), got " + value);
        }
        return number.max(BigDecimal.valueOf(Integer.MIN_VALUE)).min(BigDecimal.valueOf(Integer.MAX_VALUE)).intValue();
    }

    private static boolean isNumber(JsonElement value) {
        return value.isJsonPrimitive() && ((JsonPrimitive) value).isNumber();
    }

    private static Throwable rootCause(Throwable e) {
        return e.getCause() == null ? e : rootCause(e.getCause());
    }
}
