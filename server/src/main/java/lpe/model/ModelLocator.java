package lpe.model;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@code --model} argument into a model directory: an existing directory as it is, or a Hugging Face repo
 * id {@code ORG/NAME[@REVISION]} resolved in the Hugging Face hub cache
 * ({@code HUB/models--ORG--NAME/snapshots/COMMIT/}, with {@code refs/REVISION} holding the commit), downloading
 * {@code ENDPOINT/ORG/NAME/resolve/REVISION/FILE} into that layout when the snapshot is absent.
 *
 * <p>Decision: downloaded files are written straight into the snapshot folder (no blobs/ symlinks; the Hugging Face
 * libraries read such folders too). Only the files lpe needs are fetched: config.json, tokenizer.json,
 * tokenizer_config.json (optional), and model.safetensors or model.safetensors.index.json with its shards.
 */
public final class ModelLocator {

    private static final Logger log = LoggerFactory.getLogger(ModelLocator.class);
    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9][\\w.-]*)/([A-Za-z0-9][\\w.-]*)(?:@([\\w./-]+))?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path hubCache;
    private final URI endpoint;
    private final HttpClient http;

    public ModelLocator(Path hubCache, URI endpoint) {
        this.hubCache = hubCache;
        this.endpoint = endpoint;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30)).build();
    }

    /** The cache and endpoint Hugging Face's own libraries would use: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub; HF_ENDPOINT. */
    public static ModelLocator fromEnvironment(Map<String, String> env, Path userHome) {
        Path hub;
        if (env.get("HF_HUB_CACHE") != null) {
            hub = Path.of(env.get("HF_HUB_CACHE"));
        } else if (env.get("HF_HOME") != null) {
            hub = Path.of(env.get("HF_HOME"), "hub");
        } else {
            hub = userHome.resolve(".cache/huggingface/hub");
        }
        return new ModelLocator(hub, URI.create(env.getOrDefault("HF_ENDPOINT", "https://huggingface.co")));
    }

    public Path hubCache() {
        return hubCache;
    }

    /** The model directory for {@code model}: a directory path, or a repo id found in (or downloaded into) the cache. */
    public Path resolve(String model) {
        Path dir = Path.of(model);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Matcher m = REPO_ID.matcher(model);
        if (!m.matches()) {
            throw new IllegalArgumentException("model '" + model + "': no such directory, and not a Hugging Face repo id;"
                    + " expected a model directory or ORG/NAME[@REVISION]");
        }
        String repo = m.group(1) + "/" + m.group(2);
        String revision = m.group(3) == null ? "main" : m.group(3);
        Path repoDir = hubCache.resolve("models--" + m.group(1) + "--" + m.group(2));
        Optional<Path> cached = cachedSnapshot(repoDir, revision);
        if (cached.isPresent()) {
            return cached.get();
        }
        try {
            return download(repo, revision, repoDir);
        } catch (IOException e) {
            throw new IllegalArgumentException("model '" + model + "': no such directory, not in the Hugging Face cache "
                    + hubCache + ", and downloading from " + endpoint + " failed (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while downloading " + model, e);
        }
    }

    private static Optional<Path> cachedSnapshot(Path repoDir, String revision) {
        String commit = revision;
        Path ref = repoDir.resolve("refs").resolve(revision);
        if (!COMMIT.matcher(revision).matches()) {
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            try {
                commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        Path snapshot = repoDir.resolve("snapshots").resolve(commit);
        return Files.isRegularFile(snapshot.resolve("config.json")) ? Optional.of(snapshot) : Optional.empty();
    }

    private Path download(String repo, String revision, Path repoDir) throws IOException, InterruptedException {
        log.info("downloading {}@{} from {} into {}", repo, revision, endpoint, hubCache);
        Files.createDirectories(repoDir);
        Path staging = Files.createTempDirectory(repoDir, "download-");
        try {
            return downloadInto(staging, repo, revision, repoDir);
        } catch (IOException | RuntimeException | InterruptedException e) {
            deleteRecursively(staging); // no half-downloaded snapshot is ever left behind
            throw e;
        }
    }

    private Path downloadInto(Path staging, String repo, String revision, Path repoDir) throws IOException, InterruptedException {
        String commit = fetch(repo, revision, "config.json", staging, true).orElse(revision);
        fetch(repo, revision, "tokenizer.json", staging, true);
        fetch(repo, revision, "tokenizer_config.json", staging, false);
        if (fetch(repo, revision, "model.safetensors", staging, false).isEmpty()) {
            fetch(repo, revision, "model.safetensors.index.json", staging, true);
            Set<String> shards = new LinkedHashSet<>();
            for (Map.Entry<String, JsonElement> e : JsonFiles.readObject(staging.resolve("model.safetensors.index.json"))
                    .getAsJsonObject("weight_map").entrySet()) {
                shards.add(e.getValue().getAsString());
            }
            for (String shard : shards) {
                fetch(repo, revision, shard, staging, true);
            }
        }
        Path snapshot = repoDir.resolve("snapshots").resolve(commit);
        Files.createDirectories(snapshot.getParent());
        if (Files.exists(snapshot)) { // a concurrent download finished first
            deleteRecursively(staging);
        } else {
            Files.move(staging, snapshot, StandardCopyOption.ATOMIC_MOVE);
        }
        if (!commit.equals(revision)) {
            Files.createDirectories(repoDir.resolve("refs"));
            Files.writeString(repoDir.resolve("refs").resolve(revision), commit, StandardCharsets.UTF_8);
        }
        return snapshot;
    }

    /** Downloads one file; returns the X-Repo-Commit header (or the revision) if found, empty on 404 when optional. */
    private Optional<String> fetch(String repo, String revision, String file, Path dir, boolean required)
            throws IOException, InterruptedException {
        URI uri = URI.create(endpoint.toString().replaceAll("/+$", "") + "/" + repo + "/resolve/" + revision + "/" + file);
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() == 404 && !required) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw new IOException("GET " + uri + " answered HTTP " + response.statusCode());
            }
            Path target = dir.resolve(file).normalize();
            if (!target.startsWith(dir)) {
                throw new IOException("file name '" + file + "' escapes the snapshot folder");
            }
            Files.createDirectories(target.getParent());
            Files.copy(body, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return Optional.of(response.headers().firstValue("X-Repo-Commit").orElse(revision));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
