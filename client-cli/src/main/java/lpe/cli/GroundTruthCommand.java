package lpe.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.engine.DjlEngine;
import lpe.estimate.GroundTruth;
import lpe.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lpe ground-truth}: argmax counts for every token over N samples of D (docs/methods.md#ground-truth). The output file is
 * rewritten atomically after every 2^16 samples; running again with the same --out, model, dist and seed resumes
 * where it stopped (up to the new --samples). Shards are runs with different seeds; {@code --merge A B ...} adds them.
 *
 * <p>File: {@code {"model":..,"dist":..,"seeds":[..],"samples":..,"counts":[..one per token..]}}.
 */
@Command(name = "ground-truth", mixinStandardHelpOptions = true,
        description = "Argmax counts for every token by naive sampling (resumable; shards merge with --merge).")
public final class GroundTruthCommand implements Callable<Integer> {

    /** The server's limit on the targets of one job. */
    private static final int MAX_TARGETS_PER_JOB = 256;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "Model directory.")
    String model;

    @Option(names = "--dist", description = "A preset name or the path of a JSON spec.")
    String dist;

    @Option(names = "--corpus", description = "Text whose token frequencies weight the presets.")
    Path corpus;

    @Option(names = "--samples", description = "Total samples this shard should have counted.")
    Long samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of this shard (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "The counts file (read to resume, then rewritten).")
    Path out;

    @Option(names = "--merge", arity = "1..*", description = "Count files of shards (distinct seeds) to add into --out.")
    List<Path> merge;

    @Mixin
    ServerOptions server;

    /** The contents of a counts file. */
    record Counts(String model, String dist, List<Long> seeds, long samples, long[] counts) {}

    @Override
    public Integer call() {
        Counts result = merge != null ? merged() : server.remote() ? countedOnServer() : counted();
        write(out, result);
        JsonObject summary = new JsonObject();
        summary.addProperty("out", out.toString());
        summary.addProperty("samples", result.samples());
        summary.add("seeds", new Gson().toJsonTree(result.seeds()));
        long nonzero = java.util.Arrays.stream(result.counts()).filter(c -> c > 0).count();
        summary.addProperty("tokens_seen", nonzero);
        spec.commandLine().getOut().println(summary);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private Counts counted() {
        if (model == null || dist == null || samples == null) {
            throw new ParameterException(spec.commandLine(), "--model, --dist and --samples are required (or --merge)");
        }
        if (samples <= 0) {
            throw new ParameterException(spec.commandLine(), "--samples: must be positive, got " + samples);
        }
        Model m = LocalModels.load(model);
        InputDistribution d;
        try {
            d = Distributions.resolve(dist, m.vocabulary(), Optional.ofNullable(corpus));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--dist: " + e.getMessage(), e);
        }
        long[] counts = new long[m.config().vocabularySize()];
        long done = 0;
        if (Files.exists(out)) {
            Counts previous = read(out);
            if (!previous.model().equals(model) || !previous.dist().equals(dist)
                    || !previous.seeds().equals(List.of(seed)) || previous.counts().length != counts.length) {
                throw new ParameterException(spec.commandLine(), "--out: " + out + " holds counts for model "
                        + previous.model() + ", dist " + previous.dist() + ", seeds " + previous.seeds()
                        + "; to resume, give the same --model, --dist and --seed, or choose another file");
            }
            counts = previous.counts();
            done = previous.samples();
        }
        long[] c = counts;
        try (DjlEngine engine = new DjlEngine(m)) {
            GroundTruth.count(d, engine, seed, done, samples, c, n -> {
                if (n % GroundTruth.CHUNK == 0 || n == samples) {
                    write(out, new Counts(model, dist, List.of(seed), n, c));
                }
            });
        }
        return new Counts(model, dist, List.of(seed), Math.max(done, samples), c);
    }

    /**
     * The counts by naive sampling on the server: naive jobs serve every target from the same rows, so one job per 256
     * tokens (the server's limit of targets per job) with this seed, and count = estimate × samples for each token. The
     * file is written once, at the end (no resume), and counts the server's sample stream, not the in-process one.
     */
    private Counts countedOnServer() {
        if (model == null || dist == null || samples == null || samples <= 0) {
            throw new ParameterException(spec.commandLine(), "--model, --dist and a positive --samples are required");
        }
        if (corpus != null) {
            throw new ParameterException(spec.commandLine(), "--corpus: not available with --server (the server"
                    + " never reads client files)");
        }
        int vocabulary;
        try (var client = server.connect()) {
            vocabulary = client.loadModel(model).getVocabularySize();
        } catch (io.grpc.StatusRuntimeException e) {
            throw server.explain(e, "loading model " + model);
        }
        long[] counts = new long[vocabulary];
        var job = new ServerJob(server, spec.commandLine().getOut());
        for (int from = 0; from < vocabulary; from += MAX_TARGETS_PER_JOB) {
            var request = JobSpecs.of(model, dist, "id:0", null, "naive", samples, null, seed).clearTargets();
            for (int id = from; id < Math.min(vocabulary, from + MAX_TARGETS_PER_JOB); id++) {
                request.addTargets(lpe.v1.TargetRef.newBuilder().setId(id));
            }
            job.run(request.build(), false, done -> {
                for (var e : done.getResult().getEstimatesList()) {
                    counts[e.getTarget().getId()] = Math.round(e.getEstimate() * e.getSamples());
                }
            });
        }
        return new Counts(model, dist, List.of(seed), samples, counts);
    }

    private Counts merged() {
        List<Counts> shards = new ArrayList<>();
        for (Path p : merge) {
            shards.add(read(p));
        }
        Counts first = shards.get(0);
        long[] total = new long[first.counts().length];
        List<Long> seeds = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long n = 0;
        for (int k = 0; k < shards.size(); k++) {
            Counts s = shards.get(k);
            if (!s.model().equals(first.model()) || !s.dist().equals(first.dist()) || s.counts().length != total.length) {
                throw new ParameterException(spec.commandLine(), "--merge: " + merge.get(k) + " counts model "
                        + s.model() + ", dist " + s.dist() + "; " + merge.get(0) + " counts model " + first.model()
                        + ", dist " + first.dist());
            }
            for (long sd : s.seeds()) {
                if (!seen.add(sd)) {
                    throw new ParameterException(spec.commandLine(), "--merge: seed " + sd + " appears in more than"
                            + " one file; shards need distinct seeds or their samples are counted twice");
                }
                seeds.add(sd);
            }
            for (int v = 0; v < total.length; v++) {
                total[v] += s.counts()[v];
            }
            n += s.samples();
        }
        return new Counts(first.model(), first.dist(), seeds, n, total);
    }

    private Counts read(Path file) {
        try {
            Counts c = new Gson().fromJson(Files.readString(file), Counts.class);
            if (c == null || c.counts() == null || c.seeds() == null || c.model() == null || c.dist() == null) {
                throw new ParameterException(spec.commandLine(), file + ": not a ground-truth counts file");
            }
            return c;
        } catch (IOException | com.google.gson.JsonParseException e) {
            throw new ParameterException(spec.commandLine(), file + ": cannot read counts: " + e.getMessage(), e);
        }
    }

    /** Writes to a temporary file beside {@code file}, then renames it over: a crash never leaves half a file. */
    private static void write(Path file, Counts counts) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            JsonObject o = new JsonObject();
            o.addProperty("model", counts.model());
            o.addProperty("dist", counts.dist());
            o.add("seeds", new Gson().toJsonTree(counts.seeds()));
            o.addProperty("samples", counts.samples());
            JsonArray c = new JsonArray();
            for (long x : counts.counts()) {
                c.add(x);
            }
            o.add("counts", c);
            Files.writeString(tmp, o.toString());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
