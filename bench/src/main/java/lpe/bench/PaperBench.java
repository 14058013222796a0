package lpe.bench;

import com.google.gson.JsonObject;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import lpe.api.LpeServer;
import lpe.api.RuntimeModule;
import lpe.api.ServerConfig;
import lpe.api.ServerModule;
import lpe.batching.BatcherConfig;
import lpe.bench.GroundTruthFiles.Pair;
import lpe.client.LpeClient;
import lpe.estimate.Estimators;
import lpe.jobs.JobsConfig;
import lpe.v1.Estimate;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.TargetRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lpe bench paper}: the paper's evaluation (Wu &amp; Hilton 2024, arXiv 2410.13211; docs/benchmarks-paper.md)
 * on lpe's own models, through an lpe server.
 *
 * <p>Per (model, distribution) pair of the ground-truth files: the targets are drawn uniformly (seeded) from the
 * tokens whose ground-truth probability lies in [--p-min, --p-max]; every method of --methods estimates every target
 * at --budget, in jobs of up to --targets-per-job targets, --jobs of them at a time on one server (in-process, or
 * --server). Each finished estimate is appended to --out at once ({@link PaperResults}: a rerun continues and never
 * recomputes a finished (pair, method, target)). At the end every (pair, method) cell of the file is scored
 * ({@link PaperScore}) into the scores file beside it, which {@code lpe report --paper} turns into a page, and a table
 * goes to stdout.
 *
 * <p>Decision: job seeds are --seed plus the first target id of the job; each estimate line records the seed the
 * server reports for its target, so every line can be recomputed alone.
 */
@Command(name = "paper", mixinStandardHelpOptions = true,
        description = "The paper's evaluation: every method on many targets per (model, distribution), scored against"
                + " ground truth (resumable).")
final class PaperBench implements Callable<Integer> {

    /** The server's limit on the targets of one job. */
    static final int MAX_TARGETS_PER_JOB = 256;

    @Option(names = "--ground-truth", arity = "1..*", paramLabel = "FILE",
            description = "Count files of lpe ground-truth; several files of one (model, dist) are merged.")
    List<Path> groundTruth;

    @Option(names = "--model", split = ",", paramLabel = "NAME",
            description = "Models to evaluate (default: every model of the ground-truth files).")
    List<String> models;

    @Option(names = "--dist", split = ",", paramLabel = "DIST",
            description = "Distributions to evaluate, by preset or spec name (default: every one of the files).")
    List<String> dists;

    @Option(names = "--methods", split = ",", defaultValue = "naive,itgis,mhis,qld,gld",
            description = "Methods, any the server accepts (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--targets", defaultValue = "64", description = "Targets per pair (default ${DEFAULT-VALUE}).")
    int targets;

    @Option(names = "--p-min", defaultValue = "1e-9", description = "Smallest ground truth of a target (default ${DEFAULT-VALUE}).")
    double pMin;

    @Option(names = "--p-max", defaultValue = "1e-5", description = "Largest ground truth of a target (default ${DEFAULT-VALUE}).")
    double pMax;

    @Option(names = "--budget", defaultValue = "65536", description = "Budget per target (default ${DEFAULT-VALUE}).")
    long budget;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the target choice and the jobs (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--folds", defaultValue = "8", description = "Folds of the cross-validated loss (default ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--out", defaultValue = "${sys:lpe.home:-.}/docs/benchmarks/paper/results.jsonl",
            description = "Raw results, JSON lines, continued on rerun (default: docs/benchmarks/paper/results.jsonl).")
    Path out;

    @Option(names = "--scores", description = "Scores file (default: --out with .scores.json for .jsonl).")
    Path scores;

    @Option(names = "--model-root", defaultValue = "${sys:lpe.home:-.}/models",
            description = "The in-process server's model root (default: the repository's models/).")
    Path modelRoot;

    @Option(names = "--targets-per-job", defaultValue = "64",
            description = "Targets of one job, at most " + MAX_TARGETS_PER_JOB + " (default ${DEFAULT-VALUE}).")
    int targetsPerJob;

    @Option(names = "--jobs", defaultValue = "2", description = "Jobs running at once (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--batch-rows", defaultValue = "16384",
            description = "The in-process server's device batch row limit (default ${DEFAULT-VALUE}).")
    int batchRows;

    @Option(names = "--max-delay-ms", defaultValue = "2",
            description = "The in-process server's longest wait for more rows (default ${DEFAULT-VALUE}).")
    int maxDelayMs;

    @Option(names = "--server", paramLabel = "HOST:PORT", description = "Run on this lpe server instead of in-process.")
    String server;

    @Option(names = "--token", defaultValue = "${env:LPE_TOKEN}", description = "Bearer token of --server (default: $LPE_TOKEN).")
    String token;

    @Option(names = "--score-only", description = "Score the results file as it is (e.g. after a GPU run cut short); run nothing.")
    boolean scoreOnly;

    @Mixin
    EngineChoice engine;

    @Spec
    CommandSpec spec;

    /** One job's work: these targets of one pair with one method. */
    private record Work(Pair pair, String dist, String method, int round, int[] targets) {}

    @Override
    public Integer call() throws Exception {
        checkNumbers();
        if (scoreOnly) {
            PaperResults existing = PaperResults.existing(out);
            return score(existing, existing.settings());
        }
        if (groundTruth == null) {
            throw new IllegalArgumentException("--ground-truth FILE... is required (or --score-only)");
        }
        List<String> methodList = methods();
        List<Pair> pairs = pairs();
        PaperResults results = PaperResults.open(out, new PaperResults.Settings(budget, seed, targets, pMin, pMax));
        PrintWriter err = spec.commandLine().getErr();
        if (server != null) {
            try (LpeClient client = remote()) {
                run(client, pairs, methodList, results, err);
            }
        } else {
            JobsConfig config = new JobsConfig(modelRoot, Files.createTempDirectory("lpe-bench-paper").resolve("jobs.db"),
                    jobs, jobs, Math.max(budget, 1 << 24), new BatcherConfig(batchRows, Duration.ofMillis(maxDelayMs)));
            Injector injector = Guice.createInjector(
                    new ServerModule(new ServerConfig(0, -1, null, null, null, List.of()), config),
                    new RuntimeModule(engine.models()));
            String name = InProcessServerBuilder.generateName();
            try (LpeServer lpe = injector.getInstance(LpeServer.class).start(InProcessServerBuilder.forName(name))) {
                ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
                try (LpeClient client = LpeClient.builder(channel).build()) {
                    run(client, pairs, methodList, results, err);
                }
            }
        }
        return score(results, new PaperResults.Settings(budget, seed, targets, pMin, pMax));
    }

    private int score(PaperResults results, PaperResults.Settings settings) {
        Path scoresFile = scores != null ? scores : defaultScores(out);
        PaperSummary summary = PaperSummary.of(results.estimates(), folds, settings.seed());
        summary.write(scoresFile, settings, out);
        PrintWriter stdout = spec.commandLine().getOut();
        summary.print(stdout);
        stdout.println("raw results: " + out + "; scores: " + scoresFile);
        stdout.flush();
        return 0;
    }

    static Path defaultScores(Path results) {
        String name = results.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
        return results.resolveSibling(stem + ".scores.json");
    }

    private void checkNumbers() {
        if (targets < 1) {
            throw new IllegalArgumentException("--targets must be at least 1, got " + targets);
        }
        if (budget < 1) {
            throw new IllegalArgumentException("--budget must be positive, got " + budget);
        }
        if (!(pMin > 0) || !(pMax >= pMin) || pMax > 1) {
            throw new IllegalArgumentException("--p-min and --p-max must satisfy 0 < p-min <= p-max <= 1, got " + pMin
                    + " and " + pMax);
        }
        if (folds < 2) {
            throw new IllegalArgumentException("--folds must be at least 2, got " + folds);
        }
        if (targetsPerJob < 1 || targetsPerJob > MAX_TARGETS_PER_JOB) {
            throw new IllegalArgumentException("--targets-per-job must be in [1, " + MAX_TARGETS_PER_JOB + "], got "
                    + targetsPerJob);
        }
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
    }

    /** --methods, checked against the in-process server's methods (a remote server checks its own). */
    private List<String> methods() {
        Set<String> unique = new LinkedHashSet<>(methods);
        if (server == null) {
            for (String m : unique) {
                if (!Estimators.METHODS.contains(m)) {
                    throw new IllegalArgumentException("--methods: unknown method '" + m + "'; the server accepts "
                            + String.join(", ", Estimators.METHODS));
                }
            }
        }
        return List.copyOf(unique);
    }

    /** The pairs of the ground-truth files that --model and --dist ask for; each one asked for must be there. */
    private List<Pair> pairs() {
        List<Pair> all = GroundTruthFiles.read(groundTruth);
        for (Pair p : all) {
            if (models != null && !models.contains(p.model())) {
                throw new IllegalArgumentException("--ground-truth " + p.files().getFirst() + " counts model "
                        + p.model() + ", not one of --model " + String.join(",", models));
            }
            if (dists != null && !dists.contains(p.label())) {
                throw new IllegalArgumentException("--ground-truth " + p.files().getFirst() + " counts distribution "
                        + p.label() + ", not one of --dist " + String.join(",", dists));
            }
        }
        List<String> wantedModels = models != null ? models : all.stream().map(Pair::model).distinct().toList();
        List<String> wantedDists = dists != null ? dists : all.stream().map(Pair::label).distinct().toList();
        List<Pair> chosen = new ArrayList<>();
        for (String m : wantedModels) {
            for (String d : wantedDists) {
                Pair p = all.stream().filter(x -> x.model().equals(m) && x.label().equals(d)).findFirst().orElse(null);
                if (p == null && (models != null || dists != null)) {
                    throw new IllegalArgumentException("pair " + m + "/" + d + " has no ground truth among"
                            + " --ground-truth; count it with lpe ground-truth, or leave it out of --model/--dist");
                }
                if (p != null) {
                    chosen.add(p);
                }
            }
        }
        return chosen;
    }

    private LpeClient remote() {
        if (!server.matches("[^:\\s]+:\\d{1,5}")) {
            throw new IllegalArgumentException("--server: expected HOST:PORT (e.g. localhost:50051), got '" + server + "'");
        }
        var builder = LpeClient.builder(server);
        if (token != null && !token.isBlank()) {
            builder.bearerToken(token);
        }
        return builder.build();
    }

    private void run(LpeClient client, List<Pair> pairs, List<String> methodList, PaperResults results,
            PrintWriter err) throws InterruptedException {
        List<Work> work = new ArrayList<>();
        for (Pair pair : pairs) {
            int vocabulary = call(() -> client.loadModel(pair.model()).getVocabularySize(), "loading " + pair.model());
            if (vocabulary != pair.counts().length) {
                throw new IllegalArgumentException("--ground-truth " + pair.files().getFirst() + " counts "
                        + pair.counts().length + " tokens; model " + pair.model() + " has " + vocabulary
                        + ": a ground-truth file of another model");
            }
            int[] chosen = results.targets(pair).orElseGet(() -> choose(pair, results, err));
            String dist = DistArgument.sentAs(pair.dist(), pair.label(), modelRoot.resolve(pair.model()));
            for (String method : methodList) {
                int[] pending = Arrays.stream(chosen)
                        .filter(t -> !results.finished(pair.model(), pair.label(), method, t)).toArray();
                for (int from = 0; from < pending.length; from += targetsPerJob) {
                    work.add(new Work(pair, dist, method, from / targetsPerJob, Arrays.copyOfRange(pending, from,
                            Math.min(pending.length, from + targetsPerJob))));
                }
            }
        }
        // the first job of every (pair, method) before any second one: a run cut by its time limit leaves every
        // pair and method with results on the same targets
        work.sort(Comparator.comparingInt(Work::round));
        err.printf("lpe bench paper: %d jobs to run (%d pairs, methods %s)%n", work.size(), pairs.size(), methodList);
        err.flush();
        try (ExecutorService pool = Executors.newFixedThreadPool(jobs)) {
            List<Future<?>> futures = new ArrayList<>();
            for (Work w : work) {
                futures.add(pool.submit(() -> {
                    runJob(client, w, results, err);
                    return null;
                }));
            }
            try {
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (ExecutionException e) {
                pool.shutdownNow();
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Uniform over the eligible tokens, seeded per pair: the first --targets of a seeded permutation. */
    private int[] choose(Pair pair, PaperResults results, PrintWriter err) {
        int[] eligible = IntStream.range(0, pair.counts().length)
                .filter(v -> pair.probability(v) >= pMin && pair.probability(v) <= pMax).toArray();
        if (eligible.length == 0) {
            throw new IllegalArgumentException("pair " + pair.name() + ": no token has ground truth in [" + pMin + ", "
                    + pMax + "] (" + pair.samples() + " samples); count more samples or widen --p-min/--p-max");
        }
        SplittableRandom random = new SplittableRandom(seed ^ pair.name().hashCode());
        for (int i = eligible.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = eligible[i];
            eligible[i] = eligible[j];
            eligible[j] = t;
        }
        int[] chosen = Arrays.copyOf(eligible, Math.min(targets, eligible.length));
        if (chosen.length < targets) {
            err.printf("lpe bench paper: %s has only %d tokens with ground truth in [%g, %g]; all are targets%n",
                    pair.name(), chosen.length, pMin, pMax);
        }
        results.recordTargets(pair, eligible.length, chosen);
        return chosen;
    }

    private void runJob(LpeClient client, Work w, PaperResults results, PrintWriter err) throws InterruptedException {
        long jobSeed = seed + w.targets()[0];
        JobSpec.Builder b = JobSpec.newBuilder().setModel(w.pair().model()).setMethod(w.method()).setBudget(budget)
                .setSeed(jobSeed);
        DistArgument.set(b, w.dist());
        for (int t : w.targets()) {
            b.addTargets(TargetRef.newBuilder().setId(t));
        }
        String what = w.method() + " on " + w.pair().name();
        long start = System.nanoTime();
        String id = call(() -> client.submit(b.build(), null).getId(), "submitting " + what);
        Job job;
        while (true) {
            job = call(() -> client.get(id), "watching " + what);
            if (job.getDone()) {
                break;
            }
            Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (job.getState() != Job.State.SUCCEEDED) {
            throw new IllegalStateException("job " + id + " (" + what + ") ended " + job.getState() + ": "
                    + job.getReason());
        }
        for (Estimate e : job.getResult().getEstimatesList()) {
            results.append(line(w, e, seconds / w.targets().length));
        }
        err.printf("lpe bench paper: %s: %d targets in %.1f s%n", what, w.targets().length, seconds);
        err.flush();
    }

    private JsonObject line(Work w, Estimate e, double jobSecondsPerTarget) {
        Pair pair = w.pair();
        int target = e.getTarget().getId();
        JsonObject o = new JsonObject();
        o.addProperty("kind", "estimate");
        o.addProperty("model", pair.model());
        o.addProperty("dist", pair.label());
        o.addProperty("method", w.method());
        o.addProperty("target", target);
        o.addProperty("token", e.getTarget().getToken());
        o.addProperty("true_p", pair.probability(target));
        o.addProperty("true_hits", pair.counts()[target]);
        o.addProperty("true_samples", pair.samples());
        o.addProperty("estimate", e.getEstimate());
        o.addProperty("std_error", e.getStdError());
        o.addProperty("ci_low", e.getCi95Low());
        o.addProperty("ci_high", e.getCi95High());
        o.addProperty("interval_kind", intervalKind(e));
        o.addProperty("upper_bound_only", e.getUpperBoundOnly());
        o.addProperty("ess", e.getEss());
        o.addProperty("samples", e.getSamples());
        o.addProperty("forward_passes", e.getForwardPasses());
        o.addProperty("backward_passes", e.getBackwardPasses());
        o.addProperty("passes", e.getForwardPasses() + e.getBackwardPasses());
        o.addProperty("seconds", e.getSeconds());
        o.addProperty("job_seconds_per_target", jobSecondsPerTarget);
        o.addProperty("seed", e.getSeed());
        o.addProperty("job_seed", seed + w.targets()[0]);
        o.addProperty("budget", budget);
        o.addProperty("engine", server != null ? "server " + server : engine.label());
        return o;
    }

    /** As the CLI's JSON spells it: lower case without the prefix ("weighted_gamma", "zero_hit_bound", "none"). */
    static String intervalKind(Estimate e) {
        return e.getIntervalKind().name().replaceFirst("^INTERVAL_KIND_", "").toLowerCase(Locale.ROOT);
    }

    /** A server call whose refusal of bad input is a one-line error naming what was being done. */
    private <T> T call(Callable<T> c, String what) {
        try {
            return c.call();
        } catch (StatusRuntimeException e) {
            String detail = e.getStatus().getDescription() != null ? e.getStatus().getDescription()
                    : e.getStatus().getCode().toString();
            switch (e.getStatus().getCode()) {
                case INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, RESOURCE_EXHAUSTED, OUT_OF_RANGE ->
                        throw new IllegalArgumentException("the server refused " + what + ": " + detail, e);
                default -> throw e;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
