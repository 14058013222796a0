package lpe.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The transformer families lpe can run, named by config.json's {@code model_type}. */
public enum Architecture {
    /** Llama (and Qwen2, which is Llama with q/k/v biases): RMSNorm, RoPE, grouped-query attention, SiLU-gated MLP. */
    LLAMA("llama", "qwen2"),
    /** GPT-2: learned positions, LayerNorm, tanh-GELU, Conv1D weights stored [in, out]. */
    GPT2("gpt2"),
    /** GPT-NeoX / Pythia: LayerNorm, partial rotary embeddings, parallel residual. */
    GPT_NEOX("gpt_neox");

    private final String[] modelTypes;

    Architecture(String... modelTypes) {
        this.modelTypes = modelTypes;
    }

    /** The architecture for a config.json {@code model_type}; anything else is refused by name. */
    public static Architecture fromModelType(String modelType) {
        for (Architecture a : values()) {
            for (String t : a.modelTypes) {
                if (t.equals(modelType)) {
                    return a;
                }
            }
        }
        throw new IllegalArgumentException("unsupported model_type '" + modelType + "'; expected one of "
                + Arrays.stream(values()).flatMap(a -> Arrays.stream(a.modelTypes)).collect(Collectors.joining(", ")));
    }
}
