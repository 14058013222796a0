package lpe.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Hugging Face model directory into host memory: config.json, model.safetensors (or the shards listed by
 * model.safetensors.index.json) and tokenizer.json. Errors name the file or field and what was expected.
 */
public final class ModelReader {

    private static final Logger log = LoggerFactory.getLogger(ModelReader.class);

    public Model read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a directory; expected a Hugging Face model directory"
                    + " (config.json, model.safetensors, tokenizer.json)");
        }
        long start = System.nanoTime();
        ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
        Map<String, Tensor> weights = readWeights(dir);
        if (config.architecture() == Architecture.GPT2) {
            weights = withGpt2Prefix(weights);
        }
        // config.json's sizes are checked against the tensors before anything is allocated from them (a vocab_size
        // of 2^31 - 1 would otherwise size the vocabulary's tables first)
        checkEmbeddings(new Model(dir, config, weights, null));
        Vocabulary vocabulary = HfVocabulary.load(dir.resolve("tokenizer.json"), config.vocabularySize(), config.bosTokenId());
        Model model = new Model(dir, config, weights, vocabulary);
        log.info("loaded {} ({}, {} tensors) in {} ms", dir, config.architecture(), weights.size(),
                (System.nanoTime() - start) / 1_000_000);
        return model;
    }

    private static Map<String, Tensor> readWeights(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.exists(single)) {
            return SafetensorsReader.read(single);
        }
        if (!Files.exists(index)) {
            throw new IllegalArgumentException(dir + ": neither model.safetensors nor model.safetensors.index.json"
                    + " found; expected safetensors weights (.bin/.pt checkpoints are not supported)");
        }
        JsonElement weightMap = JsonFiles.readObject(index).get("weight_map");
        if (weightMap == null || !weightMap.isJsonObject()) {
            throw new IllegalArgumentException(index + ": field 'weight_map' is missing; expected {tensor name: shard file}");
        }
        Map<String, Tensor> weights = new HashMap<>();
        Set<String> shards = new LinkedHashSet<>();
        for (Map.Entry<String, JsonElement> e : weightMap.getAsJsonObject().entrySet()) {
            shards.add(e.getValue().getAsString());
        }
        for (String shard : shards) {
            Path file = dir.resolve(shard).normalize();
            if (!file.startsWith(dir.normalize())) {
                throw new IllegalArgumentException(index + ": shard '" + shard + "' lies outside the model directory");
            }
            weights.putAll(SafetensorsReader.read(file));
        }
        for (Map.Entry<String, JsonElement> e : weightMap.getAsJsonObject().entrySet()) {
            if (!weights.containsKey(e.getKey())) {
                throw new IllegalArgumentException(index + ": tensor '" + e.getKey() + "' is mapped to "
                        + e.getValue().getAsString() + " but that file does not contain it");
            }
        }
        return weights;
    }

    /** GPT-2 checkpoints saved from GPT2Model lack the "transformer." prefix that GPT2LMHeadModel uses. */
    private static Map<String, Tensor> withGpt2Prefix(Map<String, Tensor> weights) {
        Map<String, Tensor> out = new HashMap<>();
        weights.forEach((name, t) -> out.put(
                name.startsWith("transformer.") || name.startsWith("lm_head.") ? name : "transformer." + name, t));
        return out;
    }

    private static void checkEmbeddings(Model model) {
        ModelConfig c = model.config();
        long[] expected = {c.vocabularySize(), c.hiddenSize()};
        for (Tensor t : new Tensor[] {model.embeddingMatrix(), model.unembeddingMatrix()}) {
            if (!Arrays.equals(t.shape(), expected)) {
                throw new IllegalArgumentException(model.directory() + ": weight '" + t.name() + "' has shape "
                        + Arrays.toString(t.shape()) + "; expected " + Arrays.toString(expected)
                        + " (vocab_size, hidden size from config.json)");
            }
        }
    }
}
