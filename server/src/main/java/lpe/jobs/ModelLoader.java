package lpe.jobs;

import java.nio.file.Path;

/** Loads a Hugging Face model directory (config.json, *.safetensors, tokenizer.json) onto the configured device. */
public interface ModelLoader {
    ModelHandle load(Path directory);
}
