package lpe.bench;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import lpe.engine.DjlEngine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;
import lpe.model.Model;
import lpe.model.ModelReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lpe bench engine}: forward and forward+backward rows/s of DjlEngine against PyTorch (transformers) on the
 * same weights and the same work, for stories260K and a GPT-2-shaped random model (4 layers, d_model 512,
 * vocabulary 48262) that tools/bench/make_gpt2_model.py writes into a temporary directory.
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Forward and forward+backward rows/s: DjlEngine vs PyTorch on CPU, same weights.")
final class EngineBench implements Callable<Integer> {

    @Option(names = "--rows", defaultValue = "256", description = "Batch rows (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--length", defaultValue = "33", description = "Sequence length (default ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--iterations", defaultValue = "5", description = "Timed batches per measurement; the fastest counts (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--python", defaultValue = "python3",
            description = "Python with torch and transformers for the PyTorch side (default ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--stories", paramLabel = "DIR", required = true, description = "stories260K directory.")
    Path stories;

    @Option(names = "--json", description = "Print one JSON object with every row as the last line.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("lpe.home", ".")).toAbsolutePath().normalize();
        Path gpt2Dir = Files.createTempDirectory("lpe-bench-gpt2-");
        PrintWriter out = spec.commandLine().getOut();
        try {
            python(List.of(root.resolve("tools/bench/make_gpt2_model.py").toString(), gpt2Dir.toString()));
            List<Map<String, Object>> results = new ArrayList<>();
            out.printf("%-22s %-8s %12s %16s%n", "model", "engine", "forward r/s", "fwd+bwd r/s");
            for (Map.Entry<String, Path> m : Map.of("stories260K", stories, "gpt2-4l-512-48262", gpt2Dir)
                    .entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.reverseOrder())).toList()) {
                Map<String, Object> row = measure(m.getKey(), m.getValue(), root);
                out.printf("%-22s %-8s %12.1f %16.1f%n", m.getKey(), "djl", row.get("djl_forward_rows_per_s"), row.get("djl_backward_rows_per_s"));
                out.printf("%-22s %-8s %12.1f %16.1f%n", m.getKey(), "pytorch", row.get("torch_forward_rows_per_s"), row.get("torch_backward_rows_per_s"));
                out.printf("%-22s %-8s %12.2f %16.2f%n", m.getKey(), "ratio", row.get("forward_ratio"), row.get("backward_ratio"));
                out.flush();
                results.add(row);
            }
            if (json) {
                Map<String, Object> all = new LinkedHashMap<>();
                all.put("rows", rows);
                all.put("length", length);
                all.put("iterations", iterations);
                all.put("threads", Runtime.getRuntime().availableProcessors());
                all.put("results", results);
                out.println(new Gson().toJson(all));
            }
        } finally {
            try (var files = Files.walk(gpt2Dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> measure(String name, Path dir, Path root) throws IOException, InterruptedException {
        Model model = new ModelReader().read(dir);
        Random random = new Random(1);
        int[][] tokens = new int[rows][length];
        int[] targets = new int[rows];
        for (int b = 0; b < rows; b++) {
            targets[b] = random.nextInt(model.config().vocabularySize());
            for (int t = 0; t < length; t++) {
                tokens[b][t] = random.nextInt(model.config().vocabularySize());
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", name);
        try (DjlEngine engine = new DjlEngine(model)) {
            row.put("djl_forward_rows_per_s", rate(engine, new EngineRequest(tokens, Set.of(Output.LOGITS), null)));
            row.put("djl_backward_rows_per_s", rate(engine, new EngineRequest(tokens, EnumSet.of(Output.EMBEDDING_GRADIENTS), targets)));
        }
        JsonObject torch = new Gson().fromJson(python(List.of(root.resolve("tools/bench/bench_torch.py").toString(),
                "--model", dir.toString(), "--rows", "" + rows, "--length", "" + length, "--iterations", "" + iterations,
                "--threads", "" + Runtime.getRuntime().availableProcessors())), JsonObject.class);
        double tf = torch.get("forward_rows_per_s").getAsDouble();
        double tb = torch.get("backward_rows_per_s").getAsDouble();
        row.put("torch_forward_rows_per_s", tf);
        row.put("torch_backward_rows_per_s", tb);
        row.put("forward_ratio", (Double) row.get("djl_forward_rows_per_s") / tf);
        row.put("backward_ratio", (Double) row.get("djl_backward_rows_per_s") / tb);
        row.put("torch_version", torch.get("torch").getAsString());
        return row;
    }

    /** rows / (fastest of the timed batches), after a warm-up batch: the least disturbed by other load. */
    private double rate(DjlEngine engine, EngineRequest request) {
        engine.run(request);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            engine.run(request);
            best = Math.min(best, System.nanoTime() - start);
        }
        return rows / (best / 1e9);
    }

    /** Runs a Python script; returns the last line of its stdout, failing with its stderr. */
    private String python(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(python);
        command.addAll(arguments);
        Path log = Files.createTempFile("lpe-bench-", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
            }
            String[] lines = stdout.split("\n");
            return lines[lines.length - 1];
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
