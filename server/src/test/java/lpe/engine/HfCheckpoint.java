package lpe.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test support: a Hugging Face checkpoint folder read independently of lpe.model (config.json to the native
 * engine's config keys, F32 safetensors to tensors), and the paths the native tests need.
 */
record HfCheckpoint(Map<String, String> config, List<NativeTensor> tensors) {

    static HfCheckpoint read(Path folder) throws IOException {
        JsonObject c = JsonParser.parseString(Files.readString(folder.resolve("config.json"))).getAsJsonObject();
        return new HfCheckpoint(nativeConfig(c), readSafetensors(folder.resolve("model.safetensors")));
    }

    static Map<String, String> nativeConfig(JsonObject c) {
        String arch = c.get("model_type").getAsString();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("arch", arch);
        m.put("vocab", c.get("vocab_size").getAsString());
        JsonObject rope = c.has("rope_parameters") && c.get("rope_parameters").isJsonObject() ? c.getAsJsonObject("rope_parameters") : new JsonObject();
        switch (arch) {
            case "gpt2" -> {
                int d = c.get("n_embd").getAsInt();
                int h = c.get("n_head").getAsInt();
                m.put("hidden", "" + d);
                m.put("layers", c.get("n_layer").getAsString());
                m.put("heads", "" + h);
                m.put("kv_heads", "" + h);
                m.put("head_dim", "" + d / h);
                m.put("intermediate", "" + (c.has("n_inner") && !c.get("n_inner").isJsonNull() ? c.get("n_inner").getAsInt() : 4 * d));
                m.put("context", c.get("n_positions").getAsString());
                m.put("norm_eps", c.get("layer_norm_epsilon").getAsString());
                m.put("rope_theta", "0");
                m.put("rotary_dim", "0");
                m.put("tied", bool(c, "tie_word_embeddings", true));
                m.put("parallel_residual", "0");
                m.put("activation", c.get("activation_function").getAsString());
            }
            case "gpt_neox" -> {
                int d = c.get("hidden_size").getAsInt();
                int h = c.get("num_attention_heads").getAsInt();
                double fraction = rope.has("partial_rotary_factor") ? rope.get("partial_rotary_factor").getAsDouble() : c.get("rotary_pct").getAsDouble();
                m.put("hidden", "" + d);
                m.put("layers", c.get("num_hidden_layers").getAsString());
                m.put("heads", "" + h);
                m.put("kv_heads", "" + h);
                m.put("head_dim", "" + d / h);
                m.put("intermediate", c.get("intermediate_size").getAsString());
                m.put("context", c.get("max_position_embeddings").getAsString());
                m.put("norm_eps", c.get("layer_norm_eps").getAsString());
                m.put("rope_theta", rope.has("rope_theta") ? rope.get("rope_theta").getAsString() : c.get("rotary_emb_base").getAsString());
                m.put("rotary_dim", "" + Math.round(d / h * fraction));
                m.put("tied", bool(c, "tie_word_embeddings", false));
                m.put("parallel_residual", bool(c, "use_parallel_residual", true));
                m.put("activation", c.get("hidden_act").getAsString());
            }
            default -> {
                int d = c.get("hidden_size").getAsInt();
                int h = c.get("num_attention_heads").getAsInt();
                int hd = c.has("head_dim") ? c.get("head_dim").getAsInt() : d / h;
                m.put("hidden", "" + d);
                m.put("layers", c.get("num_hidden_layers").getAsString());
                m.put("heads", "" + h);
                m.put("kv_heads", c.has("num_key_value_heads") ? c.get("num_key_value_heads").getAsString() : "" + h);
                m.put("head_dim", "" + hd);
                m.put("intermediate", c.get("intermediate_size").getAsString());
                m.put("context", c.get("max_position_embeddings").getAsString());
                m.put("norm_eps", c.get("rms_norm_eps").getAsString());
                m.put("rope_theta", c.has("rope_theta") ? c.get("rope_theta").getAsString() : rope.get("rope_theta").getAsString());
                m.put("rotary_dim", "" + hd);
                m.put("tied", bool(c, "tie_word_embeddings", false));
                m.put("parallel_residual", "0");
                m.put("activation", c.get("hidden_act").getAsString());
            }
        }
        return m;
    }

    private static String bool(JsonObject c, String key, boolean fallback) {
        return (c.has(key) ? c.get(key).getAsBoolean() : fallback) ? "1" : "0";
    }

    static List<NativeTensor> readSafetensors(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) bytes.getLong(0);
        JsonObject header = JsonParser.parseString(new String(bytes.array(), 8, headerLength)).getAsJsonObject();
        List<NativeTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            if (!t.get("dtype").getAsString().equals("F32")) {
                throw new IOException(file + ": tensor " + e.getKey() + " is " + t.get("dtype") + "; the test reader reads F32 only");
            }
            long[] shape = new long[t.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
            }
            long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
            long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
            float[] data = new float[(int) ((end - begin) / 4)];
            bytes.slice((int) (8 + headerLength + begin), (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
            tensors.add(new NativeTensor(e.getKey(), shape, data));
        }
        return tensors;
    }

    /** The directory above the working directory that holds {@code relative}, or -Dlpe.shared's parent. */
    static Path findUp(String relative) {
        String shared = System.getProperty("lpe.shared");
        if (shared != null && relative.startsWith("shared/")) {
            return Path.of(shared).resolve(relative.substring("shared/".length()));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** The test fixture folder of one model (stories260K's weights come from shared/). */
    static Path fixture(String name) {
        return findUp("server/src/test/resources/lpe/engine/native/" + name);
    }

    static Path modelFolder(String name) {
        return name.equals("stories260K") ? findUp("shared/models/stories260K") : fixture(name);
    }

    /**
     * The native library: -Dlpe.native.library, $LPE_NATIVE_LIBRARY, else build/native/ above the working directory.
     * CI builds it (.ci/run); elsewhere build it with native/build.sh.
     */
    static NativeLibrary library() {
        if (System.getProperty(NativeLibrary.PROPERTY) != null || System.getenv(NativeLibrary.ENV) != null) {
            return NativeLibrary.load();
        }
        try {
            return NativeLibrary.load(findUp(NativeLibrary.BUILD_PATH));
        } catch (IllegalStateException notBuilt) {
            throw new IllegalStateException("the native engine library is not built: run native/build.sh (needs libtorch"
                    + " and CMake) or set $" + NativeLibrary.ENV + "; " + notBuilt.getMessage(), notBuilt);
        }
    }
}
