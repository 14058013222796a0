package lpe.cli;

import com.google.gson.Gson;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import lpe.jobs.JobsConfig;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.EstimationServiceGrpc.EstimationServiceBlockingStub;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.SubmitJobRequest;
import lpe.v1.TargetRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lpe bench server}: N jobs (one target each, all different) through one server at once, against the same N
 * jobs one after another on a fresh server. Reports the throughput ratio (sequential time / concurrent time) and the
 * mean device-batch fill (rows run per batch / row limit) of both runs, and checks that both runs gave the same
 * estimates (same seeds).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Concurrent vs sequential jobs through one server: throughput ratio and batch fill.")
final class ServerBench implements Callable<Integer> {

    @Option(names = "--model-root", required = true, description = "Directory holding the model.")
    Path modelRoot;

    @Option(names = "--model", defaultValue = "stories260K", description = "Model name (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--preset", defaultValue = "hex", description = "Distribution preset (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--method", defaultValue = "itgis", description = "Method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--jobs", defaultValue = "64", description = "Jobs (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--budget", defaultValue = "256", description = "Budget per job (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--batch-rows", defaultValue = "512", description = "Device batch row limit (default ${DEFAULT-VALUE}).")
    int batchRows;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        Run concurrent = run(true);
        Run sequential = run(false);
        double maxRelativeDifference = 0;
        for (int i = 0; i < jobs; i++) {
            double a = concurrent.estimates.get(i);
            double b = sequential.estimates.get(i);
            if (a != b) {
                maxRelativeDifference = Math.max(maxRelativeDifference, Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("engine", engine.engine + "/" + engine.device + "/" + engine.precision);
        out.put("preset", preset);
        out.put("method", method);
        out.put("jobs", jobs);
        out.put("budget", budget);
        out.put("batch_rows", batchRows);
        out.put("concurrent_seconds", concurrent.seconds);
        out.put("sequential_seconds", sequential.seconds);
        out.put("throughput_ratio", sequential.seconds / concurrent.seconds);
        out.put("concurrent_device_seconds", concurrent.deviceSeconds);
        out.put("sequential_device_seconds", sequential.deviceSeconds);
        out.put("concurrent_batches", concurrent.batches);
        out.put("concurrent_mean_batch_rows", concurrent.meanRows);
        out.put("concurrent_mean_fill", concurrent.meanRows / batchRows);
        out.put("sequential_batches", sequential.batches);
        out.put("sequential_mean_batch_rows", sequential.meanRows);
        out.put("sequential_mean_fill", sequential.meanRows / batchRows);
        out.put("max_relative_estimate_difference", maxRelativeDifference);
        if (json) {
            System.out.println(new Gson().toJson(out));
        } else {
            out.forEach((k, v) -> System.out.printf("%-34s %s%n", k, v));
        }
        return 0;
    }

    private record Run(double seconds, double deviceSeconds, long batches, double meanRows, List<Double> estimates) {}

    private Run run(boolean together) throws Exception {
        JobsConfig config = new JobsConfig(modelRoot, java.nio.file.Files.createTempDirectory("lpe-bench")
                .resolve("jobs.db"), jobs, jobs, 1 << 24, new BatcherConfig(batchRows, Duration.ofMillis(2)));
        Injector injector = Guice.createInjector(
                new ServerModule(new ServerConfig(0, -1, null, null, null, List.of(model)), config),
                new RuntimeModule(engine.models()));
        String name = InProcessServerBuilder.generateName();
        try (LpeServer server = injector.getInstance(LpeServer.class).start(InProcessServerBuilder.forName(name))) {
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            EstimationServiceBlockingStub stub = EstimationServiceGrpc.newBlockingStub(channel);
            await(stub, submit(stub, 0, 999)); // warm-up, not timed
            PrometheusMeterRegistry meters = injector.getInstance(PrometheusMeterRegistry.class);
            HistogramSnapshot before = meters.get("lpe.batch.rows").summary().takeSnapshot();
            double deviceBefore = meters.get("lpe.batch.device").timer().totalTime(TimeUnit.SECONDS);
            long start = System.nanoTime();
            List<String> ids = new ArrayList<>();
            List<Double> estimates = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                String id = submit(stub, i, i + 1);
                ids.add(id);
                if (!together) {
                    estimates.add(await(stub, id));
                }
            }
            if (together) {
                for (String id : ids) {
                    estimates.add(await(stub, id));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            HistogramSnapshot after = meters.get("lpe.batch.rows").summary().takeSnapshot();
            long batches = after.count() - before.count();
            double rows = after.total() - before.total();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            double device = meters.get("lpe.batch.device").timer().totalTime(TimeUnit.SECONDS) - deviceBefore;
            return new Run(seconds, device, batches, rows / batches, estimates);
        }
    }

    /** Job i targets token id 40 + 7i (mod the vocabulary of 512 of stories260K): all different for i < 67. */
    private String submit(EstimationServiceBlockingStub stub, int i, long seed) {
        JobSpec spec = JobSpec.newBuilder().setModel(model).setPreset(preset).setMethod(method).setBudget(budget)
                .setSeed(seed).addTargets(TargetRef.newBuilder().setId((40 + 7 * i) % 512)).build();
        return stub.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getId();
    }

    private static double await(EstimationServiceBlockingStub stub, String id) throws InterruptedException {
        while (true) {
            Job job = stub.getJob(GetJobRequest.newBuilder().setName(id).build());
            if (job.getDone()) {
                if (job.getState() != Job.State.SUCCEEDED) {
                    throw new IllegalStateException("job " + id + " ended " + job.getState() + ": " + job.getReason());
                }
                return job.getResult().getEstimates(0).getEstimate();
            }
            Thread.sleep(5);
        }
    }
}
