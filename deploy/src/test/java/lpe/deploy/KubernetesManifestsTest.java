package lpe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lpe.cli.ServeCommand;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The Kubernetes overlays (deploy/k8s/overlays/*) as {@code kubectl kustomize} renders them (kubectl from Debian's
 * package; .ci/run installs it): one Deployment and its Service; the image each overlay names; gRPC health probes and
 * Prometheus annotations on the ports the server is told to use; the store from its Secret and the models from a
 * read-only volume; GPUs requested where the native engine runs on CUDA; every argument an option of {@code lpe serve}.
 */
class KubernetesManifestsTest {
    private static final Path K8S = Path.of("k8s").toAbsolutePath();

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void theServiceSelectsTheServerPodsAndReachesItsNamedPorts(String overlay) throws Exception {
        Rendered r = render(overlay);
        Map<String, Object> podLabels = map(map(map(r.deployment, "spec"), "template"), "metadata");
        Map<String, Object> selector = map(map(r.service, "spec"), "selector");
        assertFalse(selector.isEmpty());
        assertTrue(map(podLabels, "labels").entrySet().containsAll(selector.entrySet()), selector + " vs " + podLabels);
        assertEquals(selector, map(map(map(r.deployment, "spec"), "selector"), "matchLabels"));
        Map<String, Integer> containerPorts = new java.util.HashMap<>();
        for (Map<String, Object> p : list(r.container, "ports")) {
            containerPorts.put((String) p.get("name"), (Integer) p.get("containerPort"));
        }
        for (Map<String, Object> p : list(map(r.service, "spec"), "ports")) {
            assertTrue(containerPorts.containsKey((String) p.get("targetPort")), p.toString());
            assertEquals(p.get("port"), containerPorts.get((String) p.get("targetPort")), p.toString());
        }
        assertEquals(Integer.parseInt(r.option("--port")), containerPorts.get("grpc"));
        assertEquals(Integer.parseInt(r.option("--metrics-port")), containerPorts.get("metrics"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void probesAskGrpcHealthAndPrometheusScrapesTheMetricsPort(String overlay) throws Exception {
        Rendered r = render(overlay);
        int grpc = Integer.parseInt(r.option("--port"));
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertEquals(grpc, map(map(r.container, probe), "grpc").get("port"), probe);
        }
        Map<String, Object> annotations = map(map(map(map(r.deployment, "spec"), "template"), "metadata"), "annotations");
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals(r.option("--metrics-port"), annotations.get("prometheus.io/port"));
        assertEquals("/metrics", annotations.get("prometheus.io/path"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void theStoreComesFromItsSecretAndTheModelsFromAReadOnlyVolume(String overlay) throws Exception {
        Rendered r = render(overlay);
        Map<String, Object> store = r.env("LPE_STORE");
        assertEquals(Map.of("name", "lpe-store", "key", "url"), map(map(store, "valueFrom"), "secretKeyRef"));
        assertEquals("/models", r.option("--model-root"));
        Map<String, Object> mount = list(r.container, "volumeMounts").stream()
                .filter(m -> "/models".equals(m.get("mountPath"))).findFirst().orElseThrow();
        assertEquals(true, mount.get("readOnly"));
        Map<String, Object> volume = list(r.pod, "volumes").stream()
                .filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow();
        assertEquals(Map.of("claimName", "lpe-models", "readOnly", true), map(volume, "persistentVolumeClaim"));
        // Replicas lease the shared store's jobs (docs/operations.md), rolled one at a time with no surge pod.
        assertEquals(2, map(r.deployment, "spec").get("replicas"));
        Map<String, Object> strategy = map(map(r.deployment, "spec"), "strategy");
        assertEquals("RollingUpdate", strategy.get("type"));
        assertEquals(Map.of("maxSurge", 0, "maxUnavailable", 1), map(strategy, "rollingUpdate"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void everyArgumentIsAnOptionOfLpeServe(String overlay) throws Exception {
        Rendered r = render(overlay);
        new CommandLine(new ServeCommand()).parseArgs(r.args().toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void theGpuOverlayRunsTheNativeEngineOnOneRequestedGpuAndTheCpuOverlayAsksForNone(String overlay)
            throws Exception {
        Rendered r = render(overlay);
        Map<String, Object> resources = map(r.container, "resources");
        if (overlay.equals("gpu")) {
            assertEquals("localhost/lpe-cuda:dev", r.container.get("image"));
            assertEquals("1", map(resources, "requests").get("nvidia.com/gpu"));
            assertEquals("1", map(resources, "limits").get("nvidia.com/gpu"));
            assertEquals("native", r.option("--engine"));
            assertEquals("cuda", r.option("--device"));
        } else {
            assertEquals("localhost/lpe:dev", r.container.get("image"));
            assertFalse(resources.toString().contains("nvidia.com/gpu"), resources.toString());
            assertEquals(null, r.option("--engine"));
            // DJL unpacks libtorch where it may write: the root file system is read-only.
            assertEquals("/tmp/djl", r.env("DJL_CACHE_DIR").get("value"));
            assertTrue(list(r.container, "volumeMounts").stream().anyMatch(m -> "/tmp".equals(m.get("mountPath"))));
        }
        assertTrue(map(resources, "requests").containsKey("memory"));
        assertTrue(map(resources, "limits").containsKey("memory"));
        assertEquals(true, map(r.container, "securityContext").get("readOnlyRootFilesystem"));
    }

    /** One overlay's Deployment (its pod spec and single container) and Service. */
    private record Rendered(Map<String, Object> deployment, Map<String, Object> service, Map<String, Object> pod,
            Map<String, Object> container) {

        @SuppressWarnings("unchecked")
        List<String> args() {
            return (List<String>) container.get("args");
        }

        /** The value of {@code --name=value} among the arguments, or null. */
        String option(String name) {
            return args().stream().filter(a -> a.startsWith(name + "=")).map(a -> a.substring(name.length() + 1))
                    .findFirst().orElse(null);
        }

        Map<String, Object> env(String name) {
            return list(container, "env").stream().filter(e -> name.equals(e.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no env " + name));
        }
    }

    private static Rendered render(String overlay) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kubectl", "kustomize", K8S.resolve("overlays").resolve(overlay).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String yaml = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "kubectl kustomize " + overlay + " failed");
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(yaml)) {
            docs.add(cast(doc));
        }
        assertEquals(List.of("Service", "Deployment"), docs.stream().map(d -> d.get("kind")).toList());
        Map<String, Object> deployment = docs.get(1);
        Map<String, Object> pod = map(map(map(deployment, "spec"), "template"), "spec");
        List<Map<String, Object>> containers = list(pod, "containers");
        assertEquals(1, containers.size());
        return new Rendered(deployment, docs.get(0), pod, containers.getFirst());
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new AssertionError("no " + key + " in " + m);
        }
        return cast(v);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw new AssertionError("no list " + key + " in " + m);
        }
        return (List<Map<String, Object>>) v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
