package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/k8s/ground-truth as {@code kubectl kustomize} renders it (no cluster needed): an Indexed Job of SHARDS pods,
 * one GPU each, whose pod k runs {@code lpe ground-truth --shard (k+1)/SHARDS} (the pod's shell script is run here with
 * a stand-in java that prints its arguments, which lpe's own parser must accept), and a merge Job over exactly those
 * shard files.
 */
class GroundTruthManifestTest {

    @TempDir
    static Path dir;
    static List<Map<String, Object>> documents = new ArrayList<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void render() throws Exception {
        Path folder = Path.of(System.getProperty("lpe.home", "..")).resolve("deploy/k8s/ground-truth");
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", folder.toString()).redirectErrorStream(true).start();
        String yaml = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kubectl.waitFor(), yaml);
        for (Object o : new Yaml(new LoaderOptions()).loadAll(yaml)) {
            documents.add((Map<String, Object>) o);
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object node, String... path) {
        Object o = node;
        for (String key : path) {
            o = key.matches("\\d+") ? ((List<Object>) o).get(Integer.parseInt(key)) : ((Map<String, Object>) o).get(key);
        }
        return (T) o;
    }

    static Map<String, Object> named(String kind, String prefix) {
        return documents.stream().filter(d -> d.get("kind").equals(kind)
                && at(d, "metadata", "name").toString().startsWith(prefix)).findFirst().orElseThrow();
    }

    static Map<String, String> params() {
        Map<String, String> data = at(named("ConfigMap", "lpe-ground-truth"), "data");
        return new HashMap<>(data);
    }

    /** Runs a container's {@code sh -c} script with java replaced by a printer of its arguments, one per line. */
    static List<String> javaArguments(Map<String, Object> container, Map<String, String> env) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path counts = Files.createDirectories(dir.resolve("counts"));
        List<String> command = at(container, "command");
        assertEquals(List.of("/bin/sh", "-c"), command);
        String script = at(container, "args", "0").toString().replace("/counts", counts.toString());
        var builder = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> args = out.lines().toList();
        return args.subList(args.indexOf("lpe.cli.Lpe") + 1, args.size());
    }

    @Test
    void theShardJobIsIndexedWithOneGpuPerPodAndAsManyCompletionsAsShards() {
        Map<String, Object> job = named("Job", "lpe-ground-truth-shards");
        int shards = Integer.parseInt(params().get("SHARDS"));
        assertEquals("Indexed", at(job, "spec", "completionMode"));
        assertEquals(shards, (Integer) at(job, "spec", "completions"));
        assertEquals(shards, (Integer) at(job, "spec", "parallelism"));
        Map<String, Object> pod = at(job, "spec", "template", "spec");
        Map<String, Object> container = at(pod, "containers", "0");
        assertEquals("lpe-gpu:dev", container.get("image"));
        assertEquals(1, (Integer) at(container, "resources", "limits", "nvidia.com/gpu"));
        String configMap = at(named("ConfigMap", "lpe-ground-truth"), "metadata", "name");
        assertEquals(configMap, at(container, "envFrom", "0", "configMapRef", "name"));
        assertEquals("lpe-models", at(pod, "volumes", "0", "persistentVolumeClaim", "claimName"));
        assertEquals(true, at(pod, "volumes", "0", "persistentVolumeClaim", "readOnly"));
        assertEquals("/models", at(container, "volumeMounts", "0", "mountPath"));
        assertEquals("Never", pod.get("restartPolicy"));
    }

    @Test
    void podKCountsShardKPlusOneOfNAndLpeAcceptsItsArguments() throws Exception {
        Map<String, Object> container = at(named("Job", "lpe-ground-truth-shards"), "spec", "template", "spec",
                "containers", "0");
        Map<String, String> env = params();
        int shards = Integer.parseInt(env.get("SHARDS"));
        for (int index = 0; index < shards; index++) {
            env.put("JOB_COMPLETION_INDEX", Integer.toString(index));
            List<String> args = javaArguments(container, env);
            var command = new GroundTruthCommand();
            var parsed = new picocli.CommandLine(command).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
            assertEquals("ground-truth", args.get(0));
            assertTrue(parsed.errors().isEmpty(), parsed.errors().toString());
            assertEquals((index + 1) + "/" + shards, command.shard);
            assertEquals(Long.parseLong(env.get("SAMPLES")), command.samples);
            assertEquals(Long.parseLong(env.get("SEED")), command.seed);
            assertEquals("/models/" + env.get("MODEL"), command.model);
            assertEquals(List.of("--engine", "native", "--device", "cuda"), args.subList(1, 5));
            assertTrue(command.out.toString().endsWith("/" + env.get("MODEL") + "." + env.get("DIST") + ".shard-"
                    + (index + 1) + "-of-" + shards + ".json"), command.out.toString());
            assertTrue(Files.exists(Path.of(command.out + ".done")), "the marker the merge Job waits for");
        }
    }

    @Test
    void theMergeJobWaitsForEveryShardThenMergesExactlyThem() throws Exception {
        Map<String, Object> pod = at(named("Job", "lpe-ground-truth-merge"), "spec", "template", "spec");
        Map<String, String> env = params();
        int shards = Integer.parseInt(env.get("SHARDS"));
        String wait = at(pod, "initContainers", "0", "args", "0");
        assertTrue(wait.contains(".json.done") && wait.contains("-ge \"$SHARDS\""), wait);
        List<String> args = javaArguments(at(pod, "containers", "0"), env);
        var command = new GroundTruthCommand();
        new picocli.CommandLine(command).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        assertEquals(shards, command.merge.size());
        for (int i = 0; i < shards; i++) {
            assertTrue(command.merge.get(i).toString().endsWith("/" + env.get("MODEL") + "." + env.get("DIST")
                    + ".shard-" + (i + 1) + "-of-" + shards + ".json"), command.merge.get(i).toString());
        }
        assertTrue(command.out.toString().endsWith("/" + env.get("MODEL") + "." + env.get("DIST") + ".json"));
        assertEquals("lpe-ground-truth-counts", at(pod, "volumes", "0", "persistentVolumeClaim", "claimName"));
    }
}
