package lpe.cli;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.engine.NativeEngine;
import lpe.estimate.GroundTruth;
import lpe.jobs.ModelHandle;
import lpe.v1.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lpe ground-truth}: argmax counts for every token over samples of D, the paper's ground truth (docs/methods.md#ground-truth). Sample k of a
 * seed's stream depends on (seed, k) alone on each engine ({@link GroundTruth} on DJL, the device-side loop
 * {@link NativeEngine#sampleArgmaxCounts} on the native engine), so {@code --shard I/N} counts the I-th slice of
 * [0, --samples) and N shards merge ({@code --merge}) into exactly one run's counts. The --out file
 * ({@link CountsFile}) is rewritten atomically as counting goes; running again with the same arguments resumes it.
 *
 * <p>With {@code --server}: naive jobs on the server count the stream of {@code lpe estimate --method naive} with that
 * seed (count = estimate × samples per token), written once at the end; no shards and no resume.
 */
@Command(name = "ground-truth", mixinStandardHelpOptions = true,
        description = "Argmax counts for every token by naive sampling (resumable; --shard I/N slices; --merge adds).")
public final class GroundTruthCommand implements Callable<Integer> {

    /** The server's limit on the targets of one job. */
    private static final int MAX_TARGETS_PER_JOB = 256;
    /** A native step aims at this many seconds between checkpoints of the file. */
    private static final double STEP_SECONDS = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "Model directory.")
    String model;

    @Option(names = "--dist", description = "A preset name or the path of a JSON spec.")
    String dist;

    @Option(names = "--corpus", description = "Text whose token frequencies weight the presets.")
    Path corpus;

    @Option(names = "--samples", description = "Samples of the whole run: all shards give the same number.")
    Long samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sample stream (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shard", description = "I/N: count the I-th of N slices of the --samples samples (default 1/1).")
    String shard;

    @Option(names = "--batch", description = "Rows per device batch of the native engine (default 1024 on cpu, 16384"
            + " on cuda).")
    Integer batch;

    @Option(names = "--out", required = true, description = "The counts file (read to resume, then rewritten).")
    Path out;

    @Option(names = "--merge", arity = "1..*", description = "Count files to add into --out (one setup, no sample"
            + " twice, no gap).")
    List<Path> merge;

    @Mixin
    EngineOptions engines;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() {
        CountsFile result;
        if (merge != null) {
            if (model != null || dist != null || samples != null || shard != null) {
                throw new UserError("--merge: takes only count files and --out (the"
                        + " files say what they count)");
            }
            if (Files.exists(out) && merge.stream().noneMatch(p -> p.toAbsolutePath().normalize()
                    .equals(out.toAbsolutePath().normalize()))) {
                throw new UserError("--out: " + out + " exists; --merge writes a new"
                        + " file (name it among the --merge files to add to it)");
            }
            result = CountsFile.merge(merge);
            result.write(out);
        } else if (server.remote()) {
            engines.refuseWithServer(spec);
            result = countedOnServer();
            result.write(out);
        } else {
            result = counted();
        }
        JsonObject summary = new JsonObject();
        summary.addProperty("out", out.toString());
        summary.addProperty("samples", result.samples());
        summary.addProperty("shards", String.join(",", result.parts().stream().map(CountsFile.Part::shard).toList()));
        summary.addProperty("tokens_seen", Arrays.stream(result.counts()).filter(c -> c > 0).count());
        spec.commandLine().getOut().println(summary);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private void requireRun() {
        List<String> missing = new ArrayList<>();
        if (model == null) {
            missing.add("--model");
        }
        if (dist == null) {
            missing.add("--dist");
        }
        if (samples == null) {
            missing.add("--samples");
        }
        if (!missing.isEmpty()) {
            throw new UserError(String.join(", ", missing) + ": required (or --merge)");
        }
        if (samples <= 0) {
            throw new UserError("--samples: must be positive, got " + samples);
        }
        if (batch != null && batch <= 0) {
            throw new UserError("--batch: must be positive, got " + batch);
        }
    }

    private CountsFile counted() {
        requireRun();
        Shard slice = shard == null ? Shard.WHOLE : Shard.parse(shard);
        if (slice.count() > samples) {
            throw new UserError("--shard: " + slice + " slices " + samples
                    + " samples into more shards than samples");
        }
        Path directory = LocalModels.resolve(model);
        String weights = Digests.weights(directory);
        try (ModelHandle handle = engines.open(directory)) {
            if (batch != null && !(handle.engine() instanceof NativeEngine)) {
                throw new UserError("--batch: only with --engine native (the DJL"
                        + " engine runs batches of its own size)");
            }
            InputDistribution d;
            try {
                d = Distributions.resolve(dist, handle.vocabulary(), Optional.ofNullable(corpus));
            } catch (IllegalArgumentException e) {
                throw new UserError("--dist: " + e.getMessage(), e);
            }
            var setup = new CountsFile.Setup(model, weights, dist, Digests.distribution(d), engines.engine(),
                    engines.precision(), engines.deviceKind(), seed, samples);
            long first = slice.first(samples);
            long end = slice.end(samples);
            CountsFile start = resumed(setup, slice, handle.vocabulary().size());
            long[] counts = start.counts();
            long from = first + start.samples();
            List<String> commands = start.commands();
            var bar = ProgressBar.onTerminal();
            long clock = System.nanoTime();
            LongConsumer progress = upTo -> {
                double seconds = (System.nanoTime() - clock) / 1e9;
                bar.update(Progress.newBuilder().setSamplesDone(upTo - first).setBudget(end - first)
                        .setRate(seconds > 0 ? (upTo - from) / seconds : 0).build());
            };
            LongConsumer save = upTo -> new CountsFile(setup, List.of(new CountsFile.Part(slice.toString(), first, end,
                    upTo - first)), commands, counts).write(out);
            save.accept(from);
            if (handle.engine() instanceof NativeEngine nativeEngine) {
                countNatively(nativeEngine, d, from, end, counts, save.andThen(progress));
            } else {
                GroundTruth.count(d, handle.engine(), seed, from, end, counts, n -> {
                    if (n % GroundTruth.CHUNK == 0 || n == end) {
                        save.accept(n);
                    }
                    progress.accept(n);
                });
            }
            bar.finish();
            return new CountsFile(setup, List.of(new CountsFile.Part(slice.toString(), first, end, end - first)),
                    commands, counts);
        }
    }

    /**
     * The file to continue: --out's counts when it holds this setup and shard (anything else is refused, naming the
     * first difference, and the file is left as it is), else zero counts; this command is added to its commands.
     */
    private CountsFile resumed(CountsFile.Setup setup, Shard slice, int vocabulary) {
        List<String> commands = new ArrayList<>();
        if (!Files.exists(out)) {
            commands.add(command());
            return new CountsFile(setup, List.of(), commands, new long[vocabulary]);
        }
        CountsFile previous = CountsFile.read(out);
        String difference = setup.difference(previous.setup());
        if (difference == null && (previous.parts().size() != 1 || !previous.parts().get(0).shard().equals(slice.toString()))) {
            difference = "--shard " + slice + " vs " + String.join(",",
                    previous.parts().stream().map(CountsFile.Part::shard).toList());
        }
        if (difference != null) {
            throw new UserError("--out: " + out + " counts something else, so it is not"
                    + " resumed (given vs in the file: " + difference + "); give the same arguments or another --out");
        }
        commands.addAll(previous.commands());
        commands.add(command());
        return new CountsFile(setup, previous.parts(), commands, previous.counts());
    }

    /** This command line as it was given (arguments with spaces or quotes in single quotes). */
    private String command() {
        var words = new ArrayList<String>();
        words.add("lpe");
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            words.add(a.matches("[A-Za-z0-9_@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", words);
    }

    /**
     * The native engine's device-side loop over samples [from, to), in steps that take about {@link #STEP_SECONDS}
     * (each step's counts are copied back and the file checkpointed); the same counts as one call.
     */
    private void countNatively(NativeEngine engine, InputDistribution d, long from, long to, long[] counts,
            LongConsumer checkpoint) {
        long rows = batch != null ? batch : engines.deviceKind().equals("cuda") ? 16384 : 1024;
        long step = rows;
        for (long at = from; at < to; ) {
            long n = Math.min(step, to - at);
            long started = System.nanoTime();
            long[] c = engine.sampleArgmaxCounts(d, n, rows, seed, at);
            double seconds = (System.nanoTime() - started) / 1e9;
            for (int v = 0; v < counts.length; v++) {
                counts[v] += c[v];
            }
            at += n;
            checkpoint.accept(at);
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("ground truth interrupted");
            }
            step = Math.max(rows, Math.min(step * 4, (long) (n * STEP_SECONDS / Math.max(seconds, 1e-3))));
        }
    }

    /**
     * The counts by naive sampling on the server: naive jobs serve every target from the same rows, so one job per 256
     * tokens (the server's limit of targets per job) with this seed, and count = estimate × samples for each token.
     */
    private CountsFile countedOnServer() {
        requireRun();
        for (String option : new String[] {"--corpus", "--shard", "--batch"}) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw new UserError(option + ": not available with --server");
            }
        }
        if (Files.exists(out)) {
            throw new UserError("--out: " + out + " exists; a --server run writes a new"
                    + " file (it does not resume)");
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
        // the server's weights and engine are not visible from here: a file no local run's file merges with
        String unknown = "unknown (counted through " + server.server() + ")";
        var setup = new CountsFile.Setup(model, unknown, dist, unknown, "server", unknown, unknown, seed, samples);
        return new CountsFile(setup, List.of(new CountsFile.Part("naive-jobs", 0, samples, samples)),
                List.of(command()), counts);
    }
}
