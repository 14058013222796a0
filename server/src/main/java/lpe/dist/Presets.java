package lpe.dist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import lpe.model.Vocabulary;

/**
 * The 8 input distributions of docs/methods.md#presets, derived for any vocabulary from the decoded token texts.
 *
 * <p>Decisions (README "Input distributions"):
 *
 * <ul>
 *   <li>Weights are uniform over each token set unless corpus counts are given; with counts, a set is weighted by
 *       the tokens' corpus frequencies, tokens the corpus never uses are dropped, then the top-k of the preset rules (docs/methods.md#presets) is kept
 *       (ties by lower id). Without counts no top-k is applied: every token ties.
 *   <li>A constant must be one token of this vocabulary (a token whose decoded text is exactly the constant); a
 *       preset whose constant is not one token, whose token set is empty, or whose vocabulary has no BOS, is refused
 *       with every such reason, rather than built with multi-token constants.
 *   <li>The caps phrase {@code ' screamed: "'} is the m tokens of its encoding, as in the reference.
 * </ul>
 */
public final class Presets {
    public static final List<String> NAMES =
            List.of("hex", "camel", "colon", "if", "caps", "english", "spanish", "icl");

    private static final int HEX_ALPHABET = 16;
    private static final int CODE_TOP_K = 1024;
    private static final int CAPS_TOP_K = 1024;
    private static final int ENGLISH_TOP_K = 1 << 14;
    private static final int SPANISH_TOP_K = 1024;
    private static final String ICL_WORD = "ARCTHEORY";

    private final TokenTexts texts;
    private final Optional<long[]> counts;

    /**
     * @param corpusCounts per-token counts of a corpus (length = vocabulary size), or empty for uniform weights
     */
    public Presets(Vocabulary vocabulary, Optional<long[]> corpusCounts) {
        if (corpusCounts.isPresent() && corpusCounts.get().length != vocabulary.size()) {
            throw new IllegalArgumentException("corpus counts cover " + corpusCounts.get().length
                    + " tokens, the vocabulary has " + vocabulary.size());
        }
        this.texts = new TokenTexts(vocabulary);
        this.counts = corpusCounts;
    }

    public List<PresetOutcome> all() {
        return NAMES.stream().map(this::build).toList();
    }

    /** Builds the named preset; an unknown name is an {@link InvalidDistributionException} on field "dist". */
    public PresetOutcome build(String name) {
        Layout layout = new Layout();
        switch (name) {
            case "hex" -> layout.add(hex(), 32);
            case "camel" -> layout.add(set("CAMEL", TokenRules::camel, Integer.MAX_VALUE), 32);
            case "colon" -> layout.add(set("CODE", s -> true, CODE_TOP_K), 32).constant(":");
            case "if" -> layout.constant(" if").add(set("CODE", s -> true, CODE_TOP_K), 32);
            case "caps" -> layout.choice("He", "She")
                    .phrase(" screamed: \"")
                    .add(set("CAPS", TokenRules::caps, CAPS_TOP_K), 16);
            case "english" -> layout.add(set("START", TokenRules::englishStart, ENGLISH_TOP_K), 1)
                    .add(set("MID", TokenRules::englishMid, ENGLISH_TOP_K), 24);
            case "spanish" -> layout.add(set("ES", TokenRules::spanish, SPANISH_TOP_K), 24);
            case "icl" -> icl(layout);
            default -> throw new InvalidDistributionException(
                    "dist", "unknown preset '" + name + "'; presets are " + String.join(", ", NAMES));
        }
        return layout.outcome(name);
    }

    private void icl(Layout layout) {
        for (int k = 0; k < ICL_WORD.length(); k++) {
            char letter = ICL_WORD.charAt(k);
            layout.constant(k == 0 ? String.valueOf(letter) : " " + letter)
                    .constant(" for")
                    .add(set("WORD_" + letter, s -> TokenRules.iclWord(s, letter), Integer.MAX_VALUE), 1);
        }
        String[] query = IntStream.rangeClosed('A', 'Z').mapToObj(c -> " " + (char) c).toArray(String[]::new);
        layout.choice(query).constant(" for");
    }

    /** A token set with corpus or uniform weights, or the reason it cannot be built. */
    private Result set(String setName, Predicate<String> rule, int topK) {
        int[] ids = texts.select(rule);
        if (ids.length == 0) {
            return Result.emptySet(setName);
        }
        if (counts.isEmpty()) {
            double[] uniform = new double[ids.length];
            Arrays.fill(uniform, 1);
            return Result.of(new Position(ids, uniform));
        }
        long[] c = counts.get();
        int[] kept = Arrays.stream(ids)
                .boxed()
                .filter(id -> c[id] > 0)
                .sorted(Comparator.comparingLong((Integer id) -> -c[id]).thenComparingInt(id -> id))
                .limit(topK)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
        if (kept.length == 0) {
            return Result.refused("the corpus contains no token of set " + setName);
        }
        return Result.of(new Position(kept, Arrays.stream(kept).mapToDouble(id -> c[id]).toArray()));
    }

    private Result hex() {
        int[] ids = texts.select(TokenRules::hex);
        if (ids.length == 0) {
            return Result.emptySet("HEX");
        }
        List<String> strings = Arrays.stream(ids).mapToObj(texts::text).toList();
        double[] pi;
        try {
            pi = HexConstruction.stationary(HexConstruction.transitions(strings, HEX_ALPHABET));
        } catch (IllegalArgumentException e) {
            return Result.refused(e.getMessage());
        }
        // Tokens that greedy segmentation never produces get probability 0 (up to rounding): leave them out.
        int[] kept = IntStream.range(0, ids.length).filter(k -> pi[k] > 1e-15).toArray();
        return Result.of(new Position(
                Arrays.stream(kept).map(k -> ids[k]).toArray(),
                Arrays.stream(kept).mapToDouble(k -> pi[k]).toArray()));
    }

    /** A position, or why it cannot be built: an empty token set, or another reason. */
    private record Result(Position position, String emptySet, String refusal) {
        static Result of(Position position) {
            return new Result(position, null, null);
        }

        static Result emptySet(String setName) {
            return new Result(null, setName, null);
        }

        static Result refused(String reason) {
            return new Result(null, null, reason);
        }
    }

    /** Assembles a preset's positions, BOS first, and collects every reason it cannot be built. */
    private final class Layout {
        private final List<Position> positions = new ArrayList<>();
        private final Set<String> refusals = new LinkedHashSet<>();
        private final Set<String> missingConstants = new LinkedHashSet<>();
        private final Set<String> emptySets = new LinkedHashSet<>();

        Layout() {
            OptionalInt bos = texts.vocabulary().bos();
            if (bos.isPresent()) {
                positions.add(Position.fixed(bos.getAsInt()));
            } else {
                refusals.add("the tokenizer has no BOS token");
            }
        }

        Layout add(Result result, int repeats) {
            if (result.emptySet() != null) {
                emptySets.add(result.emptySet());
            } else if (result.refusal() != null) {
                refusals.add(result.refusal());
            } else {
                for (int r = 0; r < repeats; r++) {
                    positions.add(result.position());
                }
            }
            return this;
        }

        Layout constant(String text) {
            return choice(text);
        }

        /** One position, uniform over the given constants, each of which must be one token. */
        Layout choice(String... constants) {
            int[] ids = new int[constants.length];
            boolean complete = true;
            for (int k = 0; k < constants.length; k++) {
                OptionalInt id = texts.single(constants[k]);
                if (id.isEmpty()) {
                    missingConstants.add(quoted(constants[k]));
                    complete = false;
                } else {
                    ids[k] = id.getAsInt();
                }
            }
            if (!complete) {
                return this;
            }
            double[] uniform = new double[ids.length];
            Arrays.fill(uniform, 1);
            return add(Result.of(new Position(ids, uniform)), 1);
        }

        /** The tokens of a phrase's encoding, as constants. */
        Layout phrase(String text) {
            Optional<int[]> ids = texts.encodeExactly(text);
            if (ids.isEmpty()) {
                return add(Result.refused(quoted(text) + " does not encode to tokens that spell it"), 1);
            }
            for (int id : ids.get()) {
                add(Result.of(Position.fixed(id)), 1);
            }
            return this;
        }

        PresetOutcome outcome(String name) {
            List<String> reasons = new ArrayList<>(refusals);
            if (!missingConstants.isEmpty()) {
                reasons.add(String.join(", ", missingConstants)
                        + (missingConstants.size() == 1 ? " is not a single token" : " are not single tokens"));
            }
            if (!emptySets.isEmpty()) {
                reasons.add((emptySets.size() == 1 ? "token set " : "token sets ") + String.join(", ", emptySets)
                        + (emptySets.size() == 1 ? " is" : " are") + " empty for this vocabulary");
            }
            if (!reasons.isEmpty()) {
                return new PresetOutcome.Refused(name, String.join("; ", reasons));
            }
            return new PresetOutcome.Built(name, new InputDistribution(name, positions));
        }
    }

    /** A constant as Java would write it, so that spaces and newlines are visible. */
    static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\"", "\\\"") + '"';
    }
}
