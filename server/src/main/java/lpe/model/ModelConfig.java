package lpe.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The architecture hyper-parameters of a Hugging Face causal LM, read from its config.json.
 *
 * @param architecture from {@code model_type}
 * @param contextLength {@code max_position_embeddings} (llama, gpt_neox) or {@code n_positions} (gpt2)
 * @param ropeTheta the RoPE base (unused by gpt2)
 * @param rotaryFraction the fraction of each head's dimensions that RoPE rotates: 1 for llama, {@code rotary_pct}
 *     for gpt_neox, 0 for gpt2 (learned positions instead)
 * @param parallelResidual gpt_neox {@code use_parallel_residual}: x + attn(ln1(x)) + mlp(ln2(x))
 * @param activation the MLP non-linearity as config.json names it: silu, gelu (exact erf), gelu_new /
 *     gelu_pytorch_tanh / gelu_fast (tanh approximation), relu
 * @param bosTokenId {@code bos_token_id}, if config.json gives one
 */
public record ModelConfig(
        Architecture architecture,
        int vocabularySize,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int contextLength,
        double normEps,
        double ropeTheta,
        double rotaryFraction,
        boolean tiedEmbeddings,
        boolean parallelResidual,
        String activation,
        OptionalInt bosTokenId) {

    /** The non-linearities the engines implement. */
    public static final Set<String> ACTIVATIONS = Set.of("silu", "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu");

    public ModelConfig {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw new IllegalArgumentException("unsupported activation '" + activation + "'; expected one of " + ACTIVATIONS);
        }
        if (rotaryFraction < 0 || rotaryFraction > 1 || ((int) Math.round(headDim * rotaryFraction)) % 2 != 0) {
            throw new IllegalArgumentException("rotary fraction " + rotaryFraction + " of head_dim " + headDim
                    + " must give an even number of rotary dimensions");
        }
    }

    /** How many leading dimensions of each head RoPE rotates (even; 0 for gpt2). */
    public int rotaryDim() {
        return (int) Math.round(headDim * rotaryFraction);
    }

    /** Reads config.json; every error names the file and the field and says what was expected. */
    public static ModelConfig read(Path configJson) {
        JsonObject json = JsonFiles.readObject(configJson);
        try {
            return parse(new Fields(json));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    private static ModelConfig parse(Fields f) {
        Architecture architecture = Architecture.fromModelType(f.string("model_type", null));
        OptionalInt bos = f.has("bos_token_id") ? OptionalInt.of(f.integer("bos_token_id", 0)) : OptionalInt.empty();
        return switch (architecture) {
            case LLAMA -> {
                int hidden = f.integer("hidden_size", null);
                int heads = f.integer("num_attention_heads", null);
                f.requireDefaultRope();
                yield new ModelConfig(architecture, f.integer("vocab_size", null), hidden,
                        f.integer("num_hidden_layers", null), heads, f.integer("num_key_value_heads", heads),
                        f.integer("head_dim", hidden / heads), f.integer("intermediate_size", null),
                        f.integer("max_position_embeddings", null), f.number("rms_norm_eps", 1e-6),
                        f.ropeTheta("rope_theta", 10000.0), 1.0, f.bool("tie_word_embeddings", false), false,
                        f.string("hidden_act", "silu"), bos);
            }
            case GPT2 -> {
                int hidden = f.integer("n_embd", null);
                int heads = f.integer("n_head", null);
                f.requireDivisible("n_embd", hidden, "n_head", heads);
                yield new ModelConfig(architecture, f.integer("vocab_size", null), hidden, f.integer("n_layer", null),
                        heads, heads, hidden / heads, f.integer("n_inner", 4 * hidden), f.integer("n_positions", null),
                        f.number("layer_norm_epsilon", 1e-5), 0.0, 0.0, f.bool("tie_word_embeddings", true), false,
                        f.string("activation_function", "gelu_new"), bos);
            }
            case GPT_NEOX -> {
                int hidden = f.integer("hidden_size", null);
                int heads = f.integer("num_attention_heads", null);
                f.requireDivisible("hidden_size", hidden, "num_attention_heads", heads);
                f.requireDefaultRope();
                yield new ModelConfig(architecture, f.integer("vocab_size", null), hidden,
                        f.integer("num_hidden_layers", null), heads, heads, hidden / heads,
                        f.integer("intermediate_size", null), f.integer("max_position_embeddings", null),
                        f.number("layer_norm_eps", 1e-5), f.ropeTheta("rotary_emb_base", 10000.0),
                        f.rotaryFraction(), f.bool("tie_word_embeddings", false),
                        f.bool("use_parallel_residual", true), f.string("hidden_act", "gelu"), bos);
            }
        };
    }

    /** Typed access to config.json fields; a null default means the field is required. */
    private record Fields(JsonObject json) {

        boolean has(String name) {
            return json.has(name) && !json.get(name).isJsonNull();
        }

        private JsonElement get(String name, Object fallback, String expected) {
            if (!has(name)) {
                if (fallback == null) {
                    throw new IllegalArgumentException("field '" + name + "' is missing; expected " + expected);
                }
                return null;
            }
            JsonElement e = json.get(name);
            boolean ok = switch (expected) {
                case "a string" -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
                case "a boolean" -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean();
                default -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
            };
            if (!ok) {
                throw new IllegalArgumentException("field '" + name + "' is " + e + "; expected " + expected);
            }
            return e;
        }

        String string(String name, String fallback) {
            JsonElement e = get(name, fallback, "a string");
            return e == null ? fallback : e.getAsString();
        }

        boolean bool(String name, boolean fallback) {
            JsonElement e = get(name, fallback, "a boolean");
            return e == null ? fallback : e.getAsBoolean();
        }

        double number(String name, Double fallback) {
            JsonElement e = get(name, fallback, "a number");
            return e == null ? fallback : e.getAsDouble();
        }

        int integer(String name, Integer fallback) {
            JsonElement e = get(name, fallback, "a positive integer");
            if (e == null) {
                return fallback;
            }
            double v = e.getAsDouble();
            if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("field '" + name + "' is " + e + "; expected a positive integer");
            }
            return (int) v;
        }

        void requireDivisible(String name, int value, String byName, int by) {
            if (by <= 0 || value % by != 0) {
                throw new IllegalArgumentException("field '" + name + "' (" + value + ") must be a multiple of '" + byName + "' (" + by + ")");
            }
        }

        /** Newer transformers write RoPE settings into {@code rope_parameters}; older ones use top-level fields. */
        private JsonObject ropeParameters() {
            for (String key : new String[] {"rope_parameters", "rope_scaling"}) {
                if (has(key)) {
                    if (!json.get(key).isJsonObject()) {
                        throw new IllegalArgumentException("field '" + key + "' is " + json.get(key) + "; expected an object or null");
                    }
                    return json.getAsJsonObject(key);
                }
            }
            return new JsonObject();
        }

        /** Only plain RoPE is implemented; scaled variants (llama3, yarn, linear, dynamic) are refused. */
        void requireDefaultRope() {
            JsonObject rope = ropeParameters();
            for (String key : new String[] {"rope_type", "type"}) {
                if (rope.has(key) && !"default".equals(rope.get(key).getAsString())) {
                    throw new IllegalArgumentException("unsupported RoPE scaling '" + rope.get(key).getAsString()
                            + "' in field '" + (has("rope_parameters") ? "rope_parameters" : "rope_scaling")
                            + "'; expected none or \"default\"");
                }
            }
        }

        double ropeTheta(String name, double fallback) {
            JsonObject rope = ropeParameters();
            if (rope.has("rope_theta")) {
                return new Fields(rope).number("rope_theta", fallback);
            }
            return number(name, fallback);
        }

        double rotaryFraction() {
            JsonObject rope = ropeParameters();
            if (rope.has("partial_rotary_factor")) {
                return new Fields(rope).number("partial_rotary_factor", 0.25);
            }
            return has("partial_rotary_factor") ? number("partial_rotary_factor", 0.25) : number("rotary_pct", 0.25);
        }
    }
}
