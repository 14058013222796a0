package lpe.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A loaded Hugging Face causal LM: its config, its weights under their Hugging Face names (as in the safetensors
 * file), and its tokenizer.
 */
public record Model(Path directory, ModelConfig config, Map<String, Tensor> weights, Vocabulary vocabulary) {

    public Model {
        weights = Map.copyOf(weights);
    }

    /** The input-embedding matrix W_E, shape [V, D]. */
    public Tensor embeddingMatrix() {
        return weight(switch (config.architecture()) {
            case LLAMA -> "model.embed_tokens.weight";
            case GPT2 -> "transformer.wte.weight";
            case GPT_NEOX -> "gpt_neox.embed_in.weight";
        });
    }

    /** The unembedding (output) matrix, shape [V, D]: logits = activation · row(v). Tied models return W_E. */
    public Tensor unembeddingMatrix() {
        if (config.tiedEmbeddings()) {
            return embeddingMatrix();
        }
        return weight(config.architecture() == Architecture.GPT_NEOX ? "embed_out.weight" : "lm_head.weight");
    }

    /** The tensor with this Hugging Face name, failing with the name and the model directory when absent. */
    public Tensor weight(String name) {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new IllegalArgumentException(directory + ": weight '" + name + "' is missing from the safetensors files");
        }
        return t;
    }

    /** Whether a (bias) tensor of this name exists. */
    public boolean has(String name) {
        return weights.containsKey(name);
    }

    /** Checks that a weight has the expected shape; the error names the tensor and both shapes. */
    public Tensor weight(String name, long... expectedShape) {
        Tensor t = weight(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new IllegalArgumentException(directory + ": weight '" + name + "' has shape " + Arrays.toString(t.shape())
                    + "; expected " + Arrays.toString(expectedShape) + " from config.json");
        }
        return t;
    }
}
