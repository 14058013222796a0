package lpe.bench;

import com.google.gson.Gson;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import lpe.api.LpeServer;
import lpe.api.RuntimeModule;
import lpe.api.ServerConfig;
import lpe.api.ServerModule;
import lpe.batching.BatcherConfig;
import lpe.dist.InputDistribution;
import lpe.jobs.DistributionResolver;
import lpe.jobs.JobsConfig;
import lpe.jobs.LoadedModel;
import lpe.jobs.ModelRegistry;
import lpe.model.ModelConfig;
import lpe.v1.Estimate;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.EstimationServiceGrpc.EstimationServiceBlockingStub;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.SubmitJobRequest;
import lpe.v1.TargetRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lpe bench server}: N targets estimated at once through one in-process server, then K of them again one at a
 * time on the same server, with independent seeds.
 *
 * <p>Decision: one job per target (seed {@code --seed} + i for target i), not one job of N targets. The batcher keeps
 * the targets of one job in step (it waits for every job mate before a batch, so that their identical rows run once),
 * which idles the device while the estimators reweight; ITGIS and MHIS rows differ per target anyway. Separate jobs
 * fill each device batch from whoever is waiting.
 *
 * <p>Reports the wall and device time (the {@code lpe.batch.device} timer) of the concurrent run, per target; the rows
 * run and the FLOP-bound cost of a target's rows (3 × forward FLOPs × rows per target / peak; forward+backward ≈ 3
 * forward passes; {@link ForwardFlops}) when {@code --peak-tflops} is given; the throughput ratio (mean wall time of a
 * lone job / concurrent wall time per target); and for the K lone jobs both estimates with their errors and whether
 * they agree: |difference| ≤ 3 × √(se₁² + se₂²).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Many targets at once through one server vs a few alone: device time per target, FLOP bound, agreement.")
final class ServerBench implements Callable<Integer> {

    @Option(names = "--model-root", required = true, description = "Directory holding the model.")
    Path modelRoot;

    @Option(names = "--model", defaultValue = "stories260K", description = "Model name (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--dist", defaultValue = "hex",
            description = "A preset name or the path of a JSON spec, e.g. tools/gpu/paper-dist.json (default ${DEFAULT-VALUE}).")
    String dist;

    @Option(names = "--method", defaultValue = "itgis", description = "Method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--targets", defaultValue = "64", description = "Targets run at once, one job each (default ${DEFAULT-VALUE}).")
    int targets;

    @Option(names = "--budget", defaultValue = "256", description = "Budget per target (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--batch-rows", defaultValue = "512", description = "Device batch row limit (default ${DEFAULT-VALUE}).")
    int batchRows;

    @Option(names = "--max-delay-ms", defaultValue = "2",
            description = "Longest wait for more rows before a batch runs part-full (default ${DEFAULT-VALUE}).")
    int maxDelayMs;

    @Option(names = "--single", defaultValue = "4",
            description = "Targets run again one at a time, spread over the list (default ${DEFAULT-VALUE}; --targets for all).")
    int single;

    @Option(names = "--seed", defaultValue = "1", description = "Target i runs with seed SEED + i (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--argmax-samples", defaultValue = "4096",
            description = "Inputs sampled to choose the targets among the tokens closest to the argmax (default ${DEFAULT-VALUE}).")
    int argmaxSamples;

    @Option(names = "--peak-tflops", description = "Device peak for the FLOP bound, e.g. 494.7 (TF32) or 66.9 (FP32) on an H200.")
    Double peakTflops;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    EngineChoice engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (single < 0 || single > targets) {
            throw new IllegalArgumentException("--single must be in [0, --targets = " + targets + "], got " + single);
        }
        if (maxDelayMs < 0) {
            throw new IllegalArgumentException("--max-delay-ms must be 0 or more, got " + maxDelayMs);
        }
        JobSpec template = template();
        JobsConfig config = new JobsConfig(modelRoot, Files.createTempDirectory("lpe-bench").resolve("jobs.db"),
                targets, targets, 1 << 24, new BatcherConfig(batchRows, Duration.ofMillis(maxDelayMs)));
        Injector injector = Guice.createInjector(
                new ServerModule(new ServerConfig(0, -1, null, null, null, List.of(model)), config),
                new RuntimeModule(engine.models()));
        String name = InProcessServerBuilder.generateName();
        try (LpeServer server = injector.getInstance(LpeServer.class).start(InProcessServerBuilder.forName(name))) {
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            try {
                EstimationServiceBlockingStub stub = EstimationServiceGrpc.newBlockingStub(channel);
                InputDistribution distribution = distribution(injector, template);
                int[] ids = chooseTargets(injector, distribution);
                await(stub, submit(stub, template, ids[0], seed - 1, Math.min(budget, 1024))); // warm-up, not measured
                Meters meters = new Meters(injector.getInstance(PrometheusMeterRegistry.class));
                Run together = run(stub, template, ids, meters, true, indices(targets));
                Run alone = run(stub, template, ids, meters, false, spread());
                report(together, alone, ids, distribution);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        return 0;
    }

    /** The job spec every target shares: model, distribution, method and budget. */
    private JobSpec template() {
        JobSpec.Builder b = JobSpec.newBuilder().setModel(model).setMethod(method).setBudget(budget);
        DistArgument.set(b, dist);
        return b.build();
    }

    private static InputDistribution distribution(Injector injector, JobSpec template) {
        ModelRegistry models = injector.getInstance(ModelRegistry.class);
        DistributionResolver resolver = injector.getInstance(DistributionResolver.class);
        var vocabulary = models.load(template.getModel()).handle().vocabulary();
        try {
            return template.getPreset().isEmpty()
                    ? resolver.fromJson(template.getSpecJson(), vocabulary)
                    : resolver.preset(template.getPreset(), vocabulary);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--dist: " + e.getMessage(), e);
        }
    }

    private int[] chooseTargets(Injector injector, InputDistribution distribution) {
        LoadedModel m = injector.getInstance(ModelRegistry.class).load(model);
        try {
            return TargetChoice.closestToArgmax(m.handle().engine(), distribution, argmaxSamples, seed, targets);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static List<Integer> indices(int n) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        return all;
    }

    /** {@code --single} indices spread evenly over the targets, from the most likely to the least. */
    private List<Integer> spread() {
        List<Integer> chosen = new ArrayList<>();
        for (int k = 0; k < single; k++) {
            chosen.add((int) ((long) k * targets / single));
        }
        return chosen;
    }

    /**
     * Target i's seed: SEED + i together, SEED + {@value #ALONE_SEEDS} + i alone. Decision: the lone runs draw
     * independent samples, so that their agreement with the concurrent run is a statistical check (with the same
     * seeds it would only check that batching does not change the arithmetic).
     */
    private long seedOf(int i, boolean together) {
        return seed + (together ? 0 : ALONE_SEEDS) + i;
    }

    private static final long ALONE_SEEDS = 1_000_000;

    /** Wall and device time, batches and rows of one phase, and the estimate of each target index it ran. */
    private record Run(double seconds, double deviceSeconds, long batches, double rows, Map<Integer, Estimate> estimates) {}

    private Run run(EstimationServiceBlockingStub stub, JobSpec template, int[] ids, Meters meters, boolean together,
            List<Integer> which) throws InterruptedException {
        Meters.Reading before = meters.read();
        long start = System.nanoTime();
        Map<Integer, String> jobs = new LinkedHashMap<>();
        Map<Integer, Estimate> estimates = new LinkedHashMap<>();
        for (int i : which) {
            String id = submit(stub, template, ids[i], seedOf(i, together), budget);
            if (together) {
                jobs.put(i, id);
            } else {
                estimates.put(i, await(stub, id));
            }
        }
        for (Map.Entry<Integer, String> job : jobs.entrySet()) {
            estimates.put(job.getKey(), await(stub, job.getValue()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Meters.Reading after = meters.read();
        return new Run(seconds, after.deviceSeconds - before.deviceSeconds, after.batches - before.batches,
                after.rows - before.rows, estimates);
    }

    private void report(Run together, Run alone, int[] ids, InputDistribution distribution) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("engine", engine.label());
        out.put("dist", distribution.name());
        out.put("method", method);
        out.put("targets", targets);
        out.put("budget", budget);
        out.put("batch_rows", batchRows);
        out.put("wall_seconds", together.seconds);
        out.put("device_seconds", together.deviceSeconds);
        out.put("device_seconds_per_target", together.deviceSeconds / targets);
        out.put("batches", together.batches);
        out.put("mean_batch_rows", together.rows / together.batches);
        out.put("mean_batch_fill", together.rows / together.batches / batchRows);
        out.put("rows", together.rows);
        out.put("rows_per_target", together.rows / targets);
        double flops = ForwardFlops.perRow(ModelConfig.read(modelRoot.resolve(model).resolve("config.json")),
                distribution.length());
        out.put("forward_flops_per_row", flops);
        if (peakTflops != null) {
            double bound = 3 * flops * (together.rows / targets) / (peakTflops * 1e12);
            out.put("peak_tflops", peakTflops);
            out.put("flop_bound_seconds_per_target", bound);
            out.put("device_over_flop_bound", together.deviceSeconds / targets / bound);
        }
        if (single > 0) {
            out.put("single_jobs", single);
            out.put("single_wall_seconds_per_job", alone.seconds / single);
            out.put("single_device_seconds_per_job", alone.deviceSeconds / single);
            out.put("single_mean_batch_rows", alone.rows / alone.batches);
            out.put("throughput_ratio", (alone.seconds / single) / (together.seconds / targets));
        }
        List<Map<String, Object>> comparisons = new ArrayList<>();
        int agreeing = 0;
        int withHits = 0;
        for (Map.Entry<Integer, Estimate> e : alone.estimates.entrySet()) {
            Estimate a = together.estimates.get(e.getKey());
            Estimate b = e.getValue();
            boolean agree = agree(a, b);
            agreeing += agree ? 1 : 0;
            withHits += a.getEstimate() > 0 && b.getEstimate() > 0 ? 1 : 0;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("target", ids[e.getKey()]);
            c.put("seed", seedOf(e.getKey(), true));
            c.put("single_seed", seedOf(e.getKey(), false));
            c.put("concurrent", estimate(a));
            c.put("single", estimate(b));
            c.put("agree", agree);
            comparisons.add(c);
        }
        out.put("agreeing", agreeing);
        out.put("with_hits_in_both", withHits);
        out.put("comparisons", comparisons);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(new Gson().toJson(out));
        } else {
            out.forEach((k, v) -> w.printf("%-32s %s%n", k, v));
        }
        w.flush();
    }

    /**
     * Two estimates of one probability agree when they differ by at most 3 combined standard errors; two without
     * hits (0 ± 0) agree, and one without hits agrees with the other only if that one is within 3 of its standard
     * errors of 0.
     */
    static boolean agree(Estimate a, Estimate b) {
        double se = Math.sqrt(a.getStdError() * a.getStdError() + b.getStdError() * b.getStdError());
        return Math.abs(a.getEstimate() - b.getEstimate()) <= 3 * se;
    }

    private static Map<String, Object> estimate(Estimate e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimate", e.getEstimate());
        m.put("std_error", e.getStdError());
        m.put("ci95", List.of(e.getCi95Low(), e.getCi95High()));
        return m;
    }

    private static String submit(EstimationServiceBlockingStub stub, JobSpec template, int target, long seed, int budget) {
        JobSpec spec = template.toBuilder().setBudget(budget).setSeed(seed)
                .addTargets(TargetRef.newBuilder().setId(target)).build();
        return stub.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getId();
    }

    private static Estimate await(EstimationServiceBlockingStub stub, String id) throws InterruptedException {
        while (true) {
            Job job = stub.getJob(GetJobRequest.newBuilder().setName(id).build());
            if (job.getDone()) {
                if (job.getState() != Job.State.SUCCEEDED) {
                    throw new IllegalStateException("job " + id + " ended " + job.getState() + ": " + job.getReason());
                }
                return job.getResult().getEstimates(0);
            }
            Thread.sleep(5);
        }
    }

    /** The batcher's meters: device seconds, batches and rows run, read before and after a phase. */
    private record Meters(PrometheusMeterRegistry registry) {
        record Reading(double deviceSeconds, long batches, double rows) {}

        Reading read() {
            HistogramSnapshot rows = registry.get("lpe.batch.rows").summary().takeSnapshot();
            return new Reading(registry.get("lpe.batch.device").timer().totalTime(TimeUnit.SECONDS), rows.count(),
                    rows.total());
        }
    }
}
