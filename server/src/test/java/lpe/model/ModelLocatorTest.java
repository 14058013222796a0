package lpe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path tmp;

    @Test
    void aDirectoryIsUsedAsItIs() {
        Path dir = TestModels.fixture("gpt2");
        assertEquals(dir, new ModelLocator(tmp, URI.create("http://127.0.0.1:9")).resolve(dir.toString()));
    }

    @Test
    void cacheDirectoryFollowsHuggingFaceEnvironment() {
        Path home = Path.of("/home/someone");
        assertEquals(home.resolve(".cache/huggingface/hub"), ModelLocator.fromEnvironment(Map.of(), home).hubCache());
        assertEquals(Path.of("/data/hf/hub"), ModelLocator.fromEnvironment(Map.of("HF_HOME", "/data/hf"), home).hubCache());
        assertEquals(Path.of("/cache"), ModelLocator.fromEnvironment(Map.of("HF_HOME", "/data/hf", "HF_HUB_CACHE", "/cache"), home).hubCache());
    }

    @Test
    void repoIdResolvesInTheHubCacheLayoutWithoutNetwork() throws IOException {
        Path snapshot = tmp.resolve("models--tiny-org--tiny-model/snapshots/" + COMMIT);
        Files.createDirectories(snapshot);
        Files.writeString(snapshot.resolve("config.json"), "{}");
        Files.createDirectories(tmp.resolve("models--tiny-org--tiny-model/refs"));
        Files.writeString(tmp.resolve("models--tiny-org--tiny-model/refs/main"), COMMIT + "\n");
        ModelLocator offline = new ModelLocator(tmp, URI.create("http://127.0.0.1:9")); // nothing listens on port 9
        assertEquals(snapshot, offline.resolve("tiny-org/tiny-model"));
        assertEquals(snapshot, offline.resolve("tiny-org/tiny-model@" + COMMIT));
    }

    @Test
    void downloadsAMissingRepoIntoTheCacheLayoutAndLoadsIt() throws IOException {
        Path source = TestModels.fixture("llama_sharded");
        List<String> requested = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requested.add(path);
            String prefix = "/tiny-org/tiny-model/resolve/main/";
            Path file = path.startsWith(prefix) ? source.resolve(path.substring(prefix.length())) : null;
            if (file == null || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                byte[] body = Files.readAllBytes(file);
                exchange.getResponseHeaders().add("X-Repo-Commit", COMMIT);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        try {
            ModelLocator locator = new ModelLocator(tmp, URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
            Path dir = locator.resolve("tiny-org/tiny-model");
            assertEquals(tmp.resolve("models--tiny-org--tiny-model/snapshots/" + COMMIT), dir);
            assertEquals(COMMIT, Files.readString(tmp.resolve("models--tiny-org--tiny-model/refs/main")));
            assertTrue(requested.contains("/tiny-org/tiny-model/resolve/main/model-00002-of-00003.safetensors"), requested.toString());
            Model downloaded = new ModelReader().read(dir);
            Model original = new ModelReader().read(source);
            assertArrayEquals(original.embeddingMatrix().data(), downloaded.embeddingMatrix().data());
            int before = requested.size();
            assertEquals(dir, locator.resolve("tiny-org/tiny-model")); // second time from the cache
            assertEquals(before, requested.size());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void badModelArgumentsAreExplained() throws IOException {
        ModelLocator locator = new ModelLocator(tmp, URI.create("http://127.0.0.1:9"));
        String m = assertThrows(IllegalArgumentException.class, () -> locator.resolve("../no/such/dir")).getMessage();
        assertTrue(m.contains("'../no/such/dir'") && m.contains("ORG/NAME"), m);
        m = assertThrows(IllegalArgumentException.class, () -> locator.resolve("org/absent")).getMessage();
        assertTrue(m.contains("org/absent") && m.contains("downloading from http://127.0.0.1:9 failed"), m);
        try (var left = Files.list(tmp.resolve("models--org--absent"))) {
            assertEquals(0, left.count(), "no partial download is left in the cache");
        }
    }
}
