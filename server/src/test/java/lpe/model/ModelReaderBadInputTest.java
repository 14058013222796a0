package lpe.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad model directory gets an IllegalArgumentException naming the file or field and what was expected. */
class ModelReaderBadInputTest {

    @TempDir
    Path dir;

    @BeforeEach
    void copyGoodFixture() throws IOException {
        Path source = TestModels.fixture("llama_gqa");
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }

    private String loadError() {
        return assertThrows(IllegalArgumentException.class, () -> new ModelReader().read(dir)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + message + "' should mention '" + part + "'");
        }
    }

    @Test
    void theCopiedFixtureLoads() {
        assertTrue(new ModelReader().read(dir).weights().containsKey("model.norm.weight"));
    }

    @Test
    void missingDirectory() {
        String m = assertThrows(IllegalArgumentException.class, () -> new ModelReader().read(dir.resolve("nope"))).getMessage();
        assertMentions(m, "nope", "not a directory", "config.json");
    }

    @Test
    void missingConfig() throws IOException {
        Files.delete(dir.resolve("config.json"));
        assertMentions(loadError(), "config.json", "file not found");
    }

    @Test
    void malformedConfig() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", ");
        assertMentions(loadError(), "config.json", "malformed JSON");
    }

    @Test
    void configFieldOfTheWrongType() throws IOException {
        replaceInConfig("\"hidden_size\": 32", "\"hidden_size\": \"wide\"");
        assertMentions(loadError(), "config.json", "'hidden_size'", "expected a positive integer");
    }

    @Test
    void configFieldMissing() throws IOException {
        replaceInConfig("\"num_hidden_layers\": 2,", "");
        assertMentions(loadError(), "config.json", "'num_hidden_layers' is missing");
    }

    @Test
    void unsupportedArchitectureIsRefusedByName() throws IOException {
        replaceInConfig("\"model_type\": \"llama\"", "\"model_type\": \"mamba\"");
        assertMentions(loadError(), "config.json", "unsupported model_type 'mamba'", "llama, qwen2, gpt2, gpt_neox");
    }

    @Test
    void scaledRopeIsRefused() throws IOException {
        replaceInConfig("\"rope_type\": \"default\"", "\"rope_type\": \"llama3\"");
        assertMentions(loadError(), "config.json", "unsupported RoPE scaling 'llama3'", "rope_parameters");
    }

    @Test
    void missingTokenizer() throws IOException {
        Files.delete(dir.resolve("tokenizer.json"));
        assertMentions(loadError(), "tokenizer.json", "file not found");
    }

    @Test
    void malformedTokenizer() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "[1, 2");
        assertMentions(loadError(), "tokenizer.json", "malformed JSON");
    }

    @Test
    void tokenizerTheLibraryRefuses() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}");
        assertMentions(loadError(), "tokenizer.json", "tokenizers library refused it");
    }

    @Test
    void missingWeights() throws IOException {
        Files.delete(dir.resolve("model.safetensors"));
        assertMentions(loadError(), "neither model.safetensors nor model.safetensors.index.json found", "expected safetensors weights");
    }

    @Test
    void truncatedSafetensors() throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertMentions(loadError(), "model.safetensors", "data_offsets", "inside the");
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, 50));
        assertMentions(loadError(), "model.safetensors", "header length", "truncated");
        Files.write(dir.resolve("model.safetensors"), new byte[3]);
        assertMentions(loadError(), "model.safetensors", "3 bytes", "8-byte header length");
    }

    @Test
    void headerThatLiesAboutOffsets() throws IOException {
        writeSafetensors("{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[32],\"data_offsets\":[0,64]}}", 128);
        assertMentions(loadError(), "model.safetensors", "tensor 'model.norm.weight'", "data_offsets [0, 64]", "expected 128 bytes");
        writeSafetensors("{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[32],\"data_offsets\":[64,192]}}", 128);
        assertMentions(loadError(), "model.safetensors", "data_offsets [64, 192]", "inside the 128 data bytes");
    }

    @Test
    void unsupportedDtype() throws IOException {
        writeSafetensors("{\"model.norm.weight\":{\"dtype\":\"I64\",\"shape\":[4],\"data_offsets\":[0,32]}}", 32);
        assertMentions(loadError(), "model.safetensors", "tensor 'model.norm.weight'", "unsupported dtype I64", "F32, F16 or BF16");
    }

    @Test
    void missingTensor() throws IOException {
        writeSafetensors("{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[32],\"data_offsets\":[0,128]}}", 128);
        assertMentions(loadError(), "weight 'model.embed_tokens.weight' is missing");
    }

    @Test
    void tensorOfTheWrongShape() throws IOException {
        replaceInConfig("\"vocab_size\": 64", "\"vocab_size\": 65");
        assertMentions(loadError(), "model.embed_tokens.weight", "[64, 32]", "expected [65, 32]");
    }

    @Test
    void shardIndexNamingAMissingShardOrTensor() throws IOException {
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"model-00001-of-00001.safetensors\"}}");
        assertMentions(loadError(), "model-00001-of-00001.safetensors", "file not found");
        writeSafetensors("{\"model.other\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        Files.move(dir.resolve("model.safetensors"), dir.resolve("model-00001-of-00001.safetensors"));
        assertMentions(loadError(), "model.safetensors.index.json", "tensor 'model.norm.weight'", "does not contain it");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
        assertMentions(loadError(), "model.safetensors.index.json", "'weight_map' is missing");
    }

    @Test
    void aHugeVocabSizeIsRefusedByTheTensorShapesBeforeAnythingIsAllocated() throws IOException {
        replaceInConfig("\"vocab_size\": 64", "\"vocab_size\": 2147483647");
        assertMentions(loadError(), "weight 'model.embed_tokens.weight' has shape [64, 32]; expected [2147483647, 32]");
    }

    @Test
    void aContextTooLongForTheDjlCausalMaskIsOneLine() throws IOException {
        replaceInConfig("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 2147483647");
        Model model = new ModelReader().read(dir);
        String m = assertThrows(IllegalArgumentException.class, () -> new lpe.engine.DjlEngine(model)).getMessage();
        assertMentions(m, "max_position_embeddings 2147483647 is too long for the DJL engine's causal mask");
    }

    private void replaceInConfig(String from, String to) throws IOException {
        String config = Files.readString(dir.resolve("config.json"));
        assertTrue(config.contains(from), "fixture config.json should contain " + from);
        Files.writeString(dir.resolve("config.json"), config.replace(from, to));
    }

    private void writeSafetensors(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        Files.write(dir.resolve("model.safetensors"), out.array());
    }
}
